"""Known credential formats, as a table of named token shapes for the residual-PII detector.

Each entry is a vendor token whose prefix or shape is documented (or visible in the vendor's own
issued tokens), written from those formats rather than from the redactor's rules. A shape only
needs to be specific enough not to match ordinary log text; the detector additionally rejects
values that are placeholders (``ghp_xxxx...``). The order is irrelevant to correctness (every
shape is tried), and it is most-specific first so that the finding names the narrowest vendor
when two shapes overlap at the same position.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["VENDOR_TOKENS"]

_B: Final = r"(?<![A-Za-z0-9])"  # a token starts at a word edge; its prefix may follow `_`/`=`
_E: Final = r"(?![A-Za-z0-9])"

# (finding name, compiled shape). Deliberately absent: Stripe/other *publishable* keys
# (``pk_live_``), which are public by design, and bare 20-hex "key-" strings without a vendor
# prefix, which are left to the entropy probes.
VENDOR_TOKENS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("aws_key", _B + r"(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA"
         r"|A3T[A-Z0-9])[A-Z0-9]{16}" + _E),
        ("github_token", _B + r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
        ("gitlab_token", _B + r"gl(?:pat|dt|rt|ft|cbt|soat|ffct)-[\w-]{20,}"),
        ("gitlab_token", _B + r"gl(?:ptt|imt|agent|oas)-(?![\w-]*[a-z]{4})[\w-]{20,}"),
        ("slack_token", r"(?:" + _B + r"xox(?:[abposre]|e\.xox[bp])-(?:\d+-)+(?=[\w-]*\d)[\w-]{10,}"
         r"|" + _B + r"xapp-\d-[\w-]{10,}"
         r"|hooks\.slack\.com/(?:services|workflows|triggers)/[\w/-]{10,})"),
        ("stripe_key", _B + r"[rs]k_(?:live|test)_[A-Za-z0-9]{10,}"),
        ("google_api_key", _B + r"AIza[\w-]{30,}"),
        ("npm_token", _B + r"npm_[A-Za-z0-9]{30,}"),
        ("pypi_token", _B + r"pypi-AgE[\w-]{20,}"),
        ("anthropic_key", _B + r"sk-ant-[\w-]{20,}"),
        ("openai_key", _B + r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
        ("sendgrid_key", _B + r"SG\.[\w-]{16,}\.[\w-]{16,}"),
        ("twilio_key", _B + r"(?:AC|SK)[0-9a-f]{32}" + _E),
        # Real Hugging Face tokens mix cases at random; `hf_requiredCharacteristic...` is code
        # and `hf_servingcell...` is all lowercase.
        ("huggingface_token", _B + r"(?:hf|api_org)_(?=[a-z0-9]*[A-Z])(?![A-Za-z0-9]*[a-z]{9})"
         r"[A-Za-z0-9]{30,}"),
        ("age_secret_key", r"AGE-SECRET-KEY-1[0-9A-Z]{50,}"),
        ("onepassword_token", _B + r"(?:ops_eyJ[\w-]{20,}|A3-[A-Z0-9]{6}-[A-Z0-9-]{20,})"),
        ("atlassian_token", _B + r"ATATT3[\w=-]{20,}"),
        ("vault_token", _B + r"hv[sbr]\.[\w-]{20,}"),
        ("heroku_key", _B + r"HRKU-[\w-]{20,}"),
        ("grafana_token", _B + r"(?:glsa_[A-Za-z0-9]{20,}_[0-9a-f]{8}|glc_[A-Za-z0-9+/=]{30,})"),
        ("fly_token", _B + r"(?:fo1_[\w-]{30,}|fm[12][ar]?_[\w+/=-]{30,})"),
        ("digitalocean_token", _B + r"do[opr]_v1_[a-f0-9]{64}"),
        ("shopify_token", _B + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
        ("databricks_token", _B + r"dapi[a-f0-9]{32}(?:-\d)?" + _E),
        ("doppler_token", _B + r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}"),
        ("linear_key", _B + r"lin_api_[A-Za-z0-9]{40}"),
        ("postman_key", _B + r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
        ("pulumi_token", _B + r"pul-[a-f0-9]{40}"),
        ("newrelic_key", _B + r"NR(?:AK|AA|II|JS)-[A-Z0-9]{20,}"),
        ("sentry_token", _B + r"sntry[su]_[\w=+/]{30,}"),
        ("mailgun_key", _B + r"key-[0-9a-f]{32}" + _E),
        ("mailchimp_key", _B + r"[0-9a-f]{32}-us\d{1,2}" + _E),
        ("telegram_bot_token", _B + r"\d{8,10}:AA[\w-]{32,}"),
        ("square_token", _B + r"(?:sq0(?:atp|csp|idp)-[\w-]{22,}|EAAA[\w-]{60,})"),
        ("azure_storage_key", r"AccountKey=[A-Za-z0-9+/=]{80,}"),
        ("dropbox_token", _B + r"sl\.[\w-]{120,}"),
        ("clojars_token", _B + r"CLOJARS_[a-z0-9]{60}"),
        ("sidekiq_credentials", r"BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[\"']?[ \t]*[:=]"),
        ("scalingo_token", _B + r"tk-us-[\w-]{40,}"),
        ("settlemint_token", _B + r"s-s4t2(?:ud|af)-[a-f0-9]{48,}"),
        ("octopus_key", _B + r"API-[A-Z0-9]{26}" + _E),
        ("cloudflare_origin_key", _B + r"v1\.0-[a-f0-9]{24}-[a-f0-9]{100,}"),
        ("discord_bot_token", _B + r"[MNO][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}"),
        ("facebook_token", _B + r"\d{15,16}\|[\w-]{20,}"),
        ("aws_bedrock_key", _B + r"(?:ABSK[A-Za-z0-9+/=]{30,}"
         r"|bedrock-api-key-[A-Za-z0-9+/=]{20,})"),
        ("vault_token", _B + r"s\.(?=[A-Za-z]*\d)[A-Za-z0-9]{24}" + _E),
        ("sumologic_access_id", r"(?i:sumo\w*[._-]access[._-]?id)[\"']?[ \t]*[:=][ \t]*[\"']?"
         r"(su[A-Za-z0-9]{12})" + _E),
        ("facebook_token", _B + r"EAA[A-Za-z0-9]{30,}"),
        ("easypost_key", _B + r"EZ[AT]K[a-zA-Z0-9]{54}"),
        ("private_token_generic", _B + r"(?:ghc|glsa|xoxc|xoxd)[-_][\w-]{20,}"),
    )
)  # fmt: skip
