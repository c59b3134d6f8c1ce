"""A pad on which a customer signs by hand with a mouse, a pen (pressure sets the line width)
or one finger; the strokes are kept as vectors so the exported image is sharp at any size."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

INK = QColor(16, 32, 96)  # dark blue-black: reads as handwriting and prints as dark
MOUSE_WIDTH = 2.6
TOUCH_WIDTH = 3.0
PEN_MIN_WIDTH, PEN_MAX_WIDTH = 1.0, 5.0
# An accidental click or a tiny scribble must not count as a signature.
MIN_POINTS = 8
MIN_EXTENT = 40.0  # px, the longer side of the ink box
MIN_LENGTH = 80.0  # px, all strokes together
# In the exported image the pen width follows the scale, but only within these bounds, so a
# small signature blown up to the box does not look like it was drawn with a marker.
MIN_PEN_SCALE, MAX_PEN_SCALE = 0.6, 1.6
BOX_ASPECT = 3.0  # width : height of the exported signature box


@dataclass
class _Stroke:
    points: list[QPointF] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)

    def add(self, point: QPointF, width: float) -> bool:
        # Points closer than half a pixel add nothing but noise to the curve.
        if self.points and _distance(self.points[-1], point) < 0.5:
            return False
        self.points.append(QPointF(point))
        self.widths.append(width)
        return True

    def length(self) -> float:
        return sum(_distance(a, b) for a, b in pairwise(self.points))


def _distance(a: QPointF, b: QPointF) -> float:
    return math.hypot(a.x() - b.x(), a.y() - b.y())


def _mid(a: QPointF, b: QPointF) -> QPointF:
    return QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)


def _paint_stroke(painter: QPainter, points: list[QPointF], widths: list[float]) -> None:
    """Quadratic curves through the midpoints of successive points (smooth, no corners), one
    segment at a time so each can carry its own pressure-derived width."""
    pen = QPen(INK, widths[0], Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    if len(points) == 1:
        # A dot is still ink (the dot over an i); the pen cap makes it round.
        painter.setPen(pen)
        painter.drawPoint(points[0])
        return
    if len(points) == 2:
        painter.setPen(pen)
        painter.drawLine(points[0], points[1])
        return
    start = points[0]
    for i in range(1, len(points)):
        end = points[i] if i == len(points) - 1 else _mid(points[i], points[i + 1])
        path = QPainterPath(start)
        if i < len(points) - 1:
            path.quadTo(points[i], end)
        else:
            path.lineTo(end)
        pen.setWidthF(widths[i])
        painter.setPen(pen)
        painter.drawPath(path)
        start = end


class SignaturePad(QWidget):
    """Dark ink on white. `changed` is emitted whenever the strokes change (a stroke grows,
    ends, is undone, or the pad is cleared)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[_Stroke] = []
        self._active: str | None = None  # "mouse", "pen" or "touch" while a stroke is drawn
        self._touch_id: int | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(420, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.tr("Signature pad"))
        self.setToolTip(self.tr("Sign here with the mouse, a pen or a finger"))

    # -- state ---------------------------------------------------------------------------

    def strokes(self) -> list[list[tuple[float, float]]]:
        """The points of each stroke in widget coordinates, oldest stroke first."""
        return [[(p.x(), p.y()) for p in s.points] for s in self._strokes]

    def is_empty(self) -> bool:
        return not self._strokes

    def clear(self) -> None:
        if not self._strokes and self._active is None:
            return
        self._strokes.clear()
        self._end_stroke(emit=False)
        self.update()
        self.changed.emit()

    def undo(self) -> None:
        """Remove the last stroke (the one being drawn, if any)."""
        if not self._strokes:
            return
        self._strokes.pop()
        self._end_stroke(emit=False)
        self.update()
        self.changed.emit()

    def ink_rect(self) -> QRectF:
        """The bounding box of the stroke centre lines (empty when nothing is drawn)."""
        points = [p for s in self._strokes for p in s.points]
        if not points:
            return QRectF()
        xs, ys = [p.x() for p in points], [p.y() for p in points]
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

    def is_plausible(self) -> bool:
        """Enough ink to be a signature rather than a stray click or a tiny scribble."""
        points = sum(len(s.points) for s in self._strokes)
        box = self.ink_rect()
        length = sum(s.length() for s in self._strokes)
        return (points >= MIN_POINTS and max(box.width(), box.height()) >= MIN_EXTENT
                and length >= MIN_LENGTH)

    # -- export --------------------------------------------------------------------------

    def to_image(self, width_px: int = 600, height_px: int | None = None,
                 white_background: bool = False) -> QImage:
        """The signature cropped to its ink (plus a small margin), scaled to fit a box of
        width_px × height_px (default a 3:1 box) keeping its aspect, and centred there.
        The background is transparent unless white_background is set."""
        height_px = height_px or max(1, round(width_px / BOX_ASPECT))
        image = QImage(width_px, height_px, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.white if white_background else Qt.GlobalColor.transparent)
        if not self._strokes:
            return image
        widest = max(w for s in self._strokes for w in s.widths)
        ink = self.ink_rect().adjusted(-widest / 2, -widest / 2, widest / 2, widest / 2)
        margin = 0.05 * min(width_px, height_px)
        room_w, room_h = width_px - 2 * margin, height_px - 2 * margin
        scale = min(room_w / max(ink.width(), 1.0), room_h / max(ink.height(), 1.0))
        pen_scale = min(max(scale, MIN_PEN_SCALE), MAX_PEN_SCALE)
        dx = (width_px - ink.width() * scale) / 2 - ink.left() * scale
        dy = (height_px - ink.height() * scale) / 2 - ink.top() * scale
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for stroke in self._strokes:
            points = [QPointF(p.x() * scale + dx, p.y() * scale + dy) for p in stroke.points]
            _paint_stroke(painter, points, [w * pen_scale for w in stroke.widths])
        painter.end()
        return image

    def to_png(self, width_px: int = 600, height_px: int | None = None,
               white_background: bool = False) -> bytes:
        """to_image encoded as PNG (transparent background by default, so it can sit on the
        signature line of the PDF)."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.to_image(width_px, height_px, white_background).save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())

    # -- drawing -------------------------------------------------------------------------

    def _begin_stroke(self, source: str, point: QPointF, width: float) -> None:
        self._active = source
        stroke = _Stroke()
        stroke.add(point, width)
        self._strokes.append(stroke)
        if not self.hasFocus():
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self._repaint_around(stroke)
        self.changed.emit()

    def _extend_stroke(self, point: QPointF, width: float) -> None:
        stroke = self._strokes[-1]
        if stroke.add(point, width):
            self._repaint_around(stroke)
            self.changed.emit()

    def _end_stroke(self, emit: bool = True) -> None:
        was_active = self._active is not None
        self._active = None
        self._touch_id = None
        if emit and was_active:
            self.changed.emit()

    def _repaint_around(self, stroke: _Stroke) -> None:
        # Only the last few points move the curve; repainting just there keeps long
        # signatures fluid.
        tail = stroke.points[-3:]
        pad = max(stroke.widths[-3:]) + 2
        xs, ys = [p.x() for p in tail], [p.y() for p in tail]
        self.update(QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad,
                           max(ys) - min(ys) + 2 * pad).toAlignedRect())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._active is not None:
            event.ignore()
            return
        self._begin_stroke("mouse", event.position(), MOUSE_WIDTH)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._active != "mouse":
            event.ignore()
            return
        self._extend_stroke(event.position(), MOUSE_WIDTH)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._active != "mouse" or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._extend_stroke(event.position(), MOUSE_WIDTH)
        self._end_stroke()
        event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Accepting stops Qt from also synthesising mouse events for the same pen motion.
        if event.pointerType() == QPointingDevice.PointerType.Eraser:
            event.accept()
            return
        width = PEN_MIN_WIDTH + (PEN_MAX_WIDTH - PEN_MIN_WIDTH) * max(
            0.0, min(1.0, event.pressure()))
        kind = event.type()
        if kind == QEvent.Type.TabletPress and self._active is None:
            self._begin_stroke("pen", event.position(), width)
        elif kind == QEvent.Type.TabletMove and self._active == "pen":
            self._extend_stroke(event.position(), width)
        elif kind == QEvent.Type.TabletRelease and self._active == "pen":
            self._end_stroke()
        event.accept()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                    QEvent.Type.TouchCancel):
            assert isinstance(event, QTouchEvent)
            self._touch(event)
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        """One finger draws; further fingers (a resting palm, a pinch) are ignored."""
        kind = event.type()
        if kind == QEvent.Type.TouchCancel:
            if self._active == "touch":
                self.undo()
            event.accept()
            return
        if kind == QEvent.Type.TouchBegin:
            if self._active is not None or not event.points():
                event.ignore()
                return
            first = event.points()[0]
            self._touch_id = first.id()
            self._begin_stroke("touch", first.position(), TOUCH_WIDTH)
            event.accept()
            return
        if self._active != "touch":
            event.accept()
            return
        point = next((p for p in event.points() if p.id() == self._touch_id), None)
        if point is not None:
            self._extend_stroke(point.position(), TOUCH_WIDTH)
            if point.state() == point.State.Released:
                self._end_stroke()
        if kind == QEvent.Type.TouchEnd and self._active == "touch":
            self._end_stroke()
        event.accept()

    # -- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), Qt.GlobalColor.white)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # A signature line and a hint, as on paper; neither is part of the exported image.
        base_y = self.height() * 0.75
        painter.setPen(QPen(QColor(190, 190, 190), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(20, base_y), QPointF(self.width() - 20, base_y))
        if not self._strokes:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(QRectF(20, base_y + 4, self.width() - 40, self.height() - base_y),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                             self.tr("Sign above the line"))
        clip = QRectF(event.rect())
        for stroke in self._strokes:
            if stroke.points and _near(stroke, clip):
                _paint_stroke(painter, stroke.points, stroke.widths)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()


def _near(stroke: _Stroke, clip: QRectF) -> bool:
    """Whether the stroke may touch the repainted area (skipping the rest keeps repaints
    cheap while a long signature is drawn)."""
    pad = max(stroke.widths) + 2
    xs, ys = [p.x() for p in stroke.points], [p.y() for p in stroke.points]
    box = QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    return box.adjusted(-pad, -pad, pad, pad).intersects(clip)
