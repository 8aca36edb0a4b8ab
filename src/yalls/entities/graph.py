"""The edges manager's picture: an entity and its neighbours as server-rendered, accessible SVG.

No JavaScript and no inline styles (CSP): geometry is computed here, colours follow the text
colour (`currentColor`) so the drawing works in light and dark themes. The same edges are listed
in a table next to it for screen readers; the SVG carries role="img" with a <title> and <desc>.
"""

import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yalls.entities.models import Edge, Entity

WIDTH = 760
NODE_W, NODE_H = 168, 46
MAX_NEIGHBOURS = 24  # beyond this the picture is noise; the table still lists every edge


@dataclass
class _Link:
    outgoing: bool
    labels: list[str] = field(default_factory=list)
    pending: bool = False


def edge_label(edge: Edge) -> str:
    label = edge.get_type_display().lower()
    if edge.type == Edge.Type.OFFSPRING_OF and edge.parent_role:
        label += f" ({edge.parent_role})"
    if edge.status == Edge.Status.PENDING:
        label += ", pending"
    return label


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _border_point(cx: float, cy: float, dx: float, dy: float) -> tuple[float, float]:
    """Where the ray from a node's centre in direction (dx, dy) leaves its box."""
    hw, hh = NODE_W / 2 + 4, NODE_H / 2 + 4
    scale = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def _node(x: float, y: float, entity: Entity, *, centre: bool) -> str:
    left, top = x - NODE_W / 2, y - NODE_H / 2
    return (
        f'<g><rect x="{left:.1f}" y="{top:.1f}" width="{NODE_W}" height="{NODE_H}" rx="8" '
        f'fill="none" stroke="currentColor" stroke-width="{3 if centre else 1.25}"/>'
        f'<text x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="13" '
        f'font-weight="{700 if centre else 500}" fill="currentColor">'
        f"{escape(_short(entity.display_name, 22))}</text>"
        f'<text x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle" font-size="11" '
        f'fill="currentColor" opacity="0.75">@{escape(_short(entity.handle, 24))}</text></g>'
    )


def edge_graph_svg(entity: Entity, edges: list[Edge]) -> SafeString:
    """The entity in the middle, each neighbour around it, one arrow per direction labelled with
    the edge types (pending dashed). Rejected requests are not drawn."""
    links: dict[tuple[object, bool], _Link] = {}
    neighbours: dict[object, Entity] = {}
    for edge in edges:
        if edge.status == Edge.Status.REJECTED:
            continue
        outgoing = edge.source_id == entity.pk
        other = edge.target if outgoing else edge.source
        if other.pk not in neighbours and len(neighbours) >= MAX_NEIGHBOURS:
            continue
        neighbours[other.pk] = other
        link = links.setdefault((other.pk, outgoing), _Link(outgoing=outgoing))
        link.labels.append(edge_label(edge))
        link.pending = link.pending or edge.status == Edge.Status.PENDING

    count = len(neighbours)
    rings = 1 if count <= 8 else 2
    height = 260 if count == 0 else 340 if count <= 2 else (460 if rings == 1 else 620)
    cx, cy = WIDTH / 2, height / 2
    positions: dict[object, tuple[float, float]] = {}
    for index, pk in enumerate(neighbours):
        ring = 0 if rings == 1 or index % 2 == 0 else 1
        angle = -math.pi / 2 + 2 * math.pi * index / max(count, 1)
        rx, ry = (WIDTH / 2 - NODE_W / 2 - 10, height / 2 - NODE_H / 2 - 10)
        if ring == 1:
            rx, ry = rx * 0.6, ry * 0.6
        positions[pk] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle))

    names = ", ".join(f"@{n.handle}" for n in neighbours.values())
    desc = (
        _("@%(handle)s has no relations yet.") % {"handle": entity.handle}
        if not neighbours
        else ngettext(
            "@%(handle)s is related to %(count)s entity: %(names)s. Arrows point from the entity "
            "that declares the relation to the other one.",
            "@%(handle)s is related to %(count)s entities: %(names)s. Arrows point from the entity "
            "that declares the relation to the other one.",
            count,
        )
        % {"handle": entity.handle, "count": count, "names": names}
    )
    parts = [
        f'<svg class="edge-graph" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="edge-graph-title '
        f'edge-graph-desc" focusable="false">',
        f'<title id="edge-graph-title">Relations of {escape(entity.display_name)}</title>',
        f'<desc id="edge-graph-desc">{escape(desc)}</desc>',
        '<defs><marker id="edge-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" '
        'fill="currentColor"/></marker></defs>',
    ]
    for (pk, outgoing), link in links.items():
        nx, ny = positions[pk]
        dx, dy = nx - cx, ny - cy
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        # Two directions between the same pair: shift each line sideways so both stay readable.
        both = (pk, not outgoing) in links
        shift = (7 if outgoing else -7) if both else 0
        ox, oy = -uy * shift, ux * shift
        sx, sy = _border_point(cx, cy, ux, uy)
        ex, ey = _border_point(nx, ny, -ux, -uy)
        if not outgoing:
            sx, sy, ex, ey = ex, ey, sx, sy
        dash = ' stroke-dasharray="6 4"' if link.pending else ""
        parts.append(
            f'<line x1="{sx + ox:.1f}" y1="{sy + oy:.1f}" x2="{ex + ox:.1f}" y2="{ey + oy:.1f}" '
            f'stroke="currentColor" stroke-width="1.5"{dash} marker-end="url(#edge-arrow)"/>'
        )
        mx, my = (sx + ex) / 2 + ox * 2.2, (sy + ey) / 2 + oy * 2.2 - 4
        parts.append(
            f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="middle" font-size="11" '
            f'fill="currentColor">{escape(_short(" · ".join(link.labels), 40))}</text>'
        )
    parts.append(_node(cx, cy, entity, centre=True))
    for pk, other in neighbours.items():
        parts.append(_node(*positions[pk], other, centre=False))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
