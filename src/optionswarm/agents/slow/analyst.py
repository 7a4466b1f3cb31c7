"""LLM analysts: one role each, a panel that runs them in parallel, an optional debate round.

LLMs propose; code decides. An analyst builds its prompt from the ``AnalystContext`` only,
asks through ``LLMClient`` with the answer schema, validates strictly and lets
``ConvictionScale`` derive the ``View``. Anything else — no model, a timeout, a spent budget,
invalid output, an unexpected error — is an abstention carrying its reason code. ``analyse``
never raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import msgspec
import structlog

from optionswarm.agents.slow.answer import ANSWER_SCHEMA, AnalystAnswer, ConvictionScale
from optionswarm.agents.slow.context import AnalystContext
from optionswarm.agents.slow.prompts import DEFAULT_ROLES, AnalystRole, messages
from optionswarm.llm import LLMClient, LLMError, parse_answer
from optionswarm.model import DEFAULT_VIEW_TTL_NS, Reason, View

__all__ = ["AnalystConfig", "AnalystPanel", "LLMAnalyst"]

_log = structlog.get_logger(__name__)


class AnalystConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How analysts turn answers into views: horizon, time-to-live, scale, debate, prefix."""

    horizon_days: int = 5
    ttl_ns: int = 4 * DEFAULT_VIEW_TTL_NS
    scale: ConvictionScale = msgspec.field(default_factory=ConvictionScale)
    debate: bool = False
    agent_prefix: str = "llm"


class LLMAnalyst:
    """One role asking one client (see the module docstring)."""

    def __init__(
        self, role: AnalystRole, client: LLMClient, config: AnalystConfig | None = None
    ) -> None:
        self.role = role
        self.client = client
        self.config = config or AnalystConfig()
        self.agent_id = f"{self.config.agent_prefix}_{role.name}"

    def _abstain(self, context: AnalystContext, code: str, why: str) -> View:
        return View.abstain(
            self.agent_id,
            context.underlying,
            context.ts_ns,
            code,
            why[:1000],
            ttl_ns=self.config.ttl_ns,
            horizon_days=self.config.horizon_days,
        )

    def analyse(self, context: AnalystContext, others: Sequence[View] = ()) -> View:
        """This analyst's view on ``context`` (``others``: the debate round's peers)."""
        try:
            request = self.client.request(messages(self.role, context, others), ANSWER_SCHEMA)
            completion = self.client.complete(request)
            answer = parse_answer(completion.text, AnalystAnswer)
        except LLMError as exc:
            return self._abstain(context, exc.reason_code, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a slow agent must never take the node down
            _log.warning("analyst_error", agent_id=self.agent_id, error=repr(exc))
            return self._abstain(context, Reason.AGENT_ERROR, f"{type(exc).__name__}: {exc}")
        return self.config.scale.view(
            answer,
            agent_id=self.agent_id,
            underlying=context.underlying,
            ts_ns=context.ts_ns,
            horizon_days=self.config.horizon_days,
            ttl_ns=self.config.ttl_ns,
        )


class AnalystPanel:
    """Several analysts on one client, run in parallel up to the client's concurrency.

    With ``config.debate`` each analyst then sees the others' first-round views and answers
    again; a debate answer that fails keeps that analyst's first-round view.
    """

    def __init__(
        self,
        client: LLMClient,
        roles: Sequence[AnalystRole] = DEFAULT_ROLES,
        config: AnalystConfig | None = None,
    ) -> None:
        self.config = config or AnalystConfig()
        self.analysts = tuple(LLMAnalyst(role, client, self.config) for role in roles)
        self._workers = max(1, min(client.config.concurrency, len(self.analysts)))

    @property
    def agent_ids(self) -> tuple[str, ...]:
        """The agent id of each analyst."""
        return tuple(a.agent_id for a in self.analysts)

    def analyse(self, context: AnalystContext) -> tuple[View, ...]:
        """Every analyst's view on ``context`` (after the debate round when configured)."""
        with ThreadPoolExecutor(self._workers, thread_name_prefix="analyst") as pool:
            first = tuple(pool.map(lambda a: a.analyse(context), self.analysts))
            if not self.config.debate:
                return first

            def revise(index: int) -> View:
                own: View = first[index]
                peers = [v for i, v in enumerate(first) if i != index and not v.is_abstention]
                if not peers:
                    return own
                second = self.analysts[index].analyse(context, peers)
                return own if second.is_abstention else second

            return tuple(pool.map(revise, range(len(self.analysts))))
