"""Op handlers, one module per domain. Each validates input, checks permission, writes
through the store and hands an event plus its audience to `Node.publish`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.handlers import (
    blogs,
    comments,
    friends,
    gifts,
    groups,
    guestbook,
    likes,
    moods,
    notifications,
    owner,
    space,
    system,
)

if TYPE_CHECKING:
    from hub.ops import Handler

ALL_HANDLERS: dict[str, Handler] = {
    **system.HANDLERS,
    **moods.HANDLERS,
    **blogs.HANDLERS,
    **comments.HANDLERS,
    **likes.HANDLERS,
    **gifts.HANDLERS,
    **guestbook.HANDLERS,
    **space.HANDLERS,
    **friends.HANDLERS,
    **owner.HANDLERS,
    **notifications.HANDLERS,
    **groups.HANDLERS,
}
