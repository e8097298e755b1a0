"""Runs a coding agent's tool calls step by step (example repository for the telemetry demo)."""

from __future__ import annotations

from typing import Any


class Loop:
    def __init__(self, tools: dict[str, Any]) -> None:
        self.tools = tools

    def run_step(self, call: Any) -> Any:
        return self.tools[call.name](**call.arguments)

    def run(self, task: Any) -> Any:
        result = None
        for call in task.calls:
            result = self.run_step(call)
        return result
