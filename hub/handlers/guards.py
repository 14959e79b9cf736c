"""The checks an op makes before it acts in someone else's space: the ties between the
acting user and the owner, and the owner's settings, read from the store and judged by
`hub.policy`. Each guard raises the error the op answers (`forbidden`) and returns what
it read, so the op does not read it twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import policy
from hub.errors import forbidden
from hub.together import together

if TYPE_CHECKING:
    from hub.ops import Context


async def ties_with(ctx: Context, owner: str) -> policy.Ties:
    return await ctx.node.store.ties(owner, ctx.user)


async def rules_of(ctx: Context, owner: str) -> tuple[policy.Ties, policy.SpaceSettings]:
    """The ties with `owner` and `owner`'s settings, read together."""
    store = ctx.node.store
    ties, settings = await together(store.ties(owner, ctx.user), store.settings(owner))
    return ties, settings


def not_blocked(ties: policy.Ties) -> None:
    if ties.blocked and not ties.is_owner:
        raise forbidden(f"one of you has blocked the other: nothing goes between you and "
                        f"{ties.owner}")


async def may_reach(ctx: Context, owner: str) -> policy.Ties:
    """Gifts and friend requests: anyone not blocked either way."""
    ties = await ties_with(ctx, owner)
    not_blocked(ties)
    return ties


async def may_write_guestbook(ctx: Context, owner: str) -> None:
    ties, settings = await rules_of(ctx, owner)
    not_blocked(ties)
    if not policy.may_write_guestbook(settings, ties):
        who = {"friends": "friends", "nobody": "no one"}.get(settings.guestbook, "no one")
        if not policy.may_enter(settings, ties):
            raise forbidden(f"{owner}'s space is closed to you")
        raise forbidden(f"only {who} may write in {owner}'s guestbook")


def may_comment(settings: policy.SpaceSettings, visibility: policy.Visibility,
                ties: policy.Ties) -> None:
    """Comments and likes on a post the user may see (visible_post checked that)."""
    not_blocked(ties)
    if not policy.may_comment(settings, visibility, ties):
        raise forbidden(f"only {ties.owner}'s friends may comment on or like their posts")
