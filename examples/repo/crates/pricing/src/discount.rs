//! Stacked coupon discounts (example repository for the telemetry demo).

pub struct Coupon {
    pub percent: Option<u32>,
}

/// Applies every coupon in order, capping the total discount at fifty percent.
pub fn apply_stack(amount_cents: u64, coupons: &[Coupon]) -> u64 {
    let percent: u32 = coupons.iter().map(|c| c.percent.unwrap()).sum::<u32>().min(50);
    amount_cents * u64::from(100 - percent) / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_coupons_cap_at_fifty_percent() {
        let coupons = [Coupon { percent: Some(40) }, Coupon { percent: None }];
        assert_eq!(apply_stack(10_000, &coupons), 5_000);
    }
}
