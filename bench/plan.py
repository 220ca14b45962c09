"""How big each benchmark scenario is: the full plan for the report, the quick one for
the smoke run. Apart from the runner so the sizes are read (and changed) in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """How big each scenario is: ``full`` for the report, ``quick`` for the smoke run."""

    idle_levels: tuple[int, ...]
    chat_sessions: int
    chat_rates: tuple[int, ...]
    step_s: float
    drain_s: float
    fanout_sessions: int
    fanout_rates: tuple[int, ...]
    storm_sessions: int
    storm_timeout_s: float
    workers: int

    @staticmethod
    def full() -> Plan:
        return Plan(
            idle_levels=(1000, 5000, 10000),
            chat_sessions=400,
            chat_rates=(
                25,
                50,
                75,
                100,
                150,
                200,
                300,
                400,
                600,
                800,
                1000,
                1500,
                2000,
                3000,
                4000,
                5000,
                6500,
                8000,
                10000,
            ),
            step_s=8.0,
            drain_s=10.0,
            fanout_sessions=64,
            fanout_rates=(25, 50, 100),
            storm_sessions=10000,
            storm_timeout_s=180.0,
            workers=4,
        )

    @staticmethod
    def quick() -> Plan:
        return Plan(
            # One small step each: a smoke run proves every scenario works end to end;
            # figures come from the full plan.
            idle_levels=(40,),
            chat_sessions=16,
            chat_rates=(60,),
            step_s=1.5,
            drain_s=2.0,
            fanout_sessions=8,
            fanout_rates=(50,),
            storm_sessions=80,
            storm_timeout_s=30.0,
            workers=2,
        )
