"""The customer's handwritten signature: drawn with mouse, pen or finger, undone and cleared,
refused when it is only a click, exported as a PNG that shows the ink, and the dialog that will
not sign without a name and a real signature."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from ui.contracts.sign_dialog import CustomerSignDialog
from ui.contracts.signature_pad import SignaturePad

LEFT, NO_MOD = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def make_pad(qtbot: QtBot) -> SignaturePad:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(500, 200)
    pad.show()
    return pad


def drag(pad: SignaturePad, points: list[tuple[int, int]]) -> None:
    """One stroke with the mouse through `points`."""
    QTest.mousePress(pad, LEFT, NO_MOD, QPoint(*points[0]))
    for x, y in points[1:-1]:
        QTest.mouseMove(pad, QPoint(x, y))
    QTest.mouseRelease(pad, LEFT, NO_MOD, QPoint(*points[-1]))


def zigzag(x0: int, y0: int, width: int = 200, height: int = 60, n: int = 20) -> list[tuple]:
    return [(x0 + i * width // n, y0 + (height if i % 2 else 0)) for i in range(n + 1)]


def sign(pad: SignaturePad) -> None:
    drag(pad, zigzag(60, 60))
    drag(pad, [(80, 150), (200, 140), (330, 150)])


def test_mouse_strokes_are_recorded_in_order(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    assert pad.is_empty() and pad.strokes() == []
    with qtbot.waitSignal(pad.changed):
        drag(pad, [(20, 20), (60, 40), (100, 30)])
    drag(pad, [(200, 100), (260, 120)])
    assert pad.strokes() == [[(20, 20), (60, 40), (100, 30)], [(200, 100), (260, 120)]]
    assert not pad.is_empty()


def test_moving_without_pressing_draws_nothing(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    for x in range(10, 200, 10):
        QTest.mouseMove(pad, QPoint(x, 50))
    QTest.mousePress(pad, Qt.MouseButton.RightButton, NO_MOD, QPoint(30, 30))
    QTest.mouseMove(pad, QPoint(90, 90))
    QTest.mouseRelease(pad, Qt.MouseButton.RightButton, NO_MOD, QPoint(90, 90))
    assert pad.is_empty()


def test_undo_removes_only_the_last_stroke_and_clear_empties(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    drag(pad, [(20, 20), (60, 40)])
    drag(pad, [(100, 100), (150, 120)])
    with qtbot.waitSignal(pad.changed):
        pad.undo()
    assert pad.strokes() == [[(20, 20), (60, 40)]]
    drag(pad, [(100, 100), (150, 120)])
    with qtbot.waitSignal(pad.changed):
        pad.clear()
    assert pad.is_empty() and pad.strokes() == []
    with qtbot.assertNotEmitted(pad.changed):
        pad.undo()  # nothing left: a no-op, not an error
        pad.clear()


def test_a_click_a_dot_or_a_tiny_scribble_is_not_a_signature(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    QTest.mouseClick(pad, LEFT, NO_MOD, QPoint(100, 100))
    assert not pad.is_empty() and not pad.is_plausible()
    for _ in range(15):  # many clicks are many dots, still no signature
        QTest.mouseClick(pad, LEFT, NO_MOD, QPoint(100, 100))
    assert not pad.is_plausible()
    pad.clear()
    drag(pad, zigzag(100, 100, width=12, height=8, n=30))  # plenty of points, a few pixels big
    assert not pad.is_plausible()
    pad.clear()
    drag(pad, [(20, 100), (300, 100)])  # one long straight line: too few points
    assert not pad.is_plausible()
    pad.clear()
    sign(pad)
    assert pad.is_plausible()


def test_png_has_the_box_size_and_ink_where_drawn(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    # A horizontal bar in the left half of the pad and nothing else.
    drag(pad, [(40, 100)] + [(40 + i * 10, 100 + (i % 2)) for i in range(1, 21)])
    image = QImage.fromData(pad.to_png())
    assert not image.isNull()
    assert (image.width(), image.height()) == (600, 200)
    assert image.hasAlphaChannel()

    def ink(x: int, y: int) -> bool:
        colour = image.pixelColor(x, y)
        return colour.alpha() > 200 and colour.lightness() < 100

    # Cropped to the ink and centred: the bar crosses the middle of the image...
    assert ink(300, 100)
    assert sum(ink(x, 100) for x in range(600)) > 400  # ...and spans most of the width
    # ...while the corners stay transparent (the PDF shows its own background through them).
    for x, y in [(2, 2), (597, 2), (2, 197), (597, 197)]:
        assert image.pixelColor(x, y).alpha() == 0


def test_png_keeps_the_aspect_and_can_be_opaque(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    drag(pad, [(100, 20), (101, 60), (100, 100), (101, 140), (100, 180)])  # a vertical bar
    image = QImage.fromData(pad.to_png(width_px=300, height_px=150, white_background=True))
    assert (image.width(), image.height()) == (300, 150)
    dark = [(x, y) for x in range(300) for y in range(150)
            if image.pixelColor(x, y).lightness() < 100]
    xs = {x for x, _ in dark}
    ys = {y for _, y in dark}
    assert max(ys) - min(ys) > 120  # fills the height...
    assert max(xs) - min(xs) < 30  # ...but is not stretched sideways
    assert image.pixelColor(5, 5).name() == "#ffffff"
    assert image.pixelColor(5, 5).alpha() == 255


def test_empty_pad_exports_a_blank_image(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    image = QImage.fromData(pad.to_png())
    assert (image.width(), image.height()) == (600, 200)
    assert all(image.pixelColor(x, 100).alpha() == 0 for x in range(0, 600, 7))


def tablet(pad: SignaturePad, pen: QPointingDevice, kind: QEvent.Type, x: float, y: float,
           pressure: float) -> None:
    event = QTabletEvent(kind, pen, QPointF(x, y), QPointF(x, y), pressure, 0, 0, 0, 0, 0,
                         NO_MOD, LEFT, LEFT)
    QApplication.sendEvent(pad, event)


def test_pen_pressure_sets_the_line_width(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    pen = QPointingDevice("test pen", 4711, QInputDevice.DeviceType.Stylus,
                          QPointingDevice.PointerType.Pen,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
                          1, 2)
    tablet(pad, pen, QEvent.Type.TabletPress, 50, 100, 0.1)
    for i in range(1, 11):
        tablet(pad, pen, QEvent.Type.TabletMove, 50 + i * 20, 100, 0.1 if i < 6 else 1.0)
    tablet(pad, pen, QEvent.Type.TabletRelease, 250, 100, 0.0)
    assert len(pad.strokes()) == 1 and len(pad.strokes()[0]) == 11
    light = QImage.fromData(pad.to_png(white_background=True))
    # The same stroke, but light on the left half and heavy on the right half.
    column = [[light.pixelColor(x, y).lightness() < 128 for y in range(200)] for x in (150, 450)]
    assert sum(column[1]) > sum(column[0]) * 2


def test_one_finger_draws_and_a_second_finger_is_ignored(qtbot: QtBot) -> None:
    pad = make_pad(qtbot)
    screen = QTest.createTouchDevice()
    QTest.touchEvent(pad, screen).press(0, QPoint(50, 50), pad).commit()
    for i in range(1, 6):
        sequence = QTest.touchEvent(pad, screen).move(0, QPoint(50 + i * 20, 60), pad)
        if i == 3:
            sequence.press(1, QPoint(300, 150), pad)
        elif i > 3:
            sequence.move(1, QPoint(300 + i, 150), pad)
        sequence.commit()
    QTest.touchEvent(pad, screen).release(0, QPoint(170, 60), pad) \
        .release(1, QPoint(310, 150), pad).commit()
    strokes = pad.strokes()
    assert len(strokes) == 1
    assert strokes[0][0] == (50, 50) and strokes[0][-1] == (170, 60)
    assert all(x < 200 for x, _ in strokes[0])


def make_dialog(qtbot: QtBot) -> CustomerSignDialog:
    dialog = CustomerSignDialog("HT-2026-0042", "¥ 12,345.00")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_dialog_says_what_is_signed(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    assert "HT-2026-0042" in dialog.meaning.text()
    assert "¥ 12,345.00" in dialog.meaning.text()
    assert "HT-2026-0042" in dialog.windowTitle()


def test_sign_needs_a_name_and_a_plausible_signature(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    assert not dialog.sign_button.isEnabled()
    qtbot.keyClicks(dialog.name, "   ")  # blanks are no name
    QTest.mouseClick(dialog.pad, LEFT, NO_MOD, QPoint(100, 100))  # a click is no signature
    assert not dialog.sign_button.isEnabled()
    dialog.pad.clear()
    sign(dialog.pad)
    assert not dialog.sign_button.isEnabled()  # signature, but only blanks as the name
    dialog.name.clear()
    dialog.name.insert("王芳")  # QTest cannot type non-ASCII keys
    assert dialog.sign_button.isEnabled()
    dialog.undo_button.click()
    dialog.undo_button.click()
    assert not dialog.sign_button.isEnabled()
    sign(dialog.pad)
    assert dialog.sign_button.isEnabled()
    dialog.clear_button.click()
    assert dialog.pad.is_empty() and not dialog.sign_button.isEnabled()
    # Accepting another way than the button must not sign either.
    dialog.accept()
    assert dialog.isVisible()
    try:
        dialog.result_signature()
    except RuntimeError:
        pass
    else:
        raise AssertionError("an unsigned dialog returned a signature")


def test_enter_in_the_name_field_does_not_sign(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    sign(dialog.pad)
    qtbot.keyClicks(dialog.name, "Li Lei")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0


def test_shortcuts_undo_and_clear_the_pad(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    dialog.activateWindow()
    drag(dialog.pad, [(20, 20), (60, 40)])
    drag(dialog.pad, [(100, 100), (150, 120)])
    dialog.pad.setFocus()
    qtbot.waitUntil(dialog.pad.hasFocus)
    # A button's shortcut "animates" the click, which lands a moment later.
    qtbot.keyClick(dialog.pad, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(dialog.pad.strokes()) == 1, timeout=2000)
    qtbot.keyClick(dialog.pad, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(dialog.pad.is_empty, timeout=2000)


def test_signing_returns_the_name_and_png(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    qtbot.keyClicks(dialog.name, "  Li   Lei ")
    sign(dialog.pad)
    with qtbot.waitSignal(dialog.accepted):
        dialog.sign_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    name, png = dialog.result_signature()
    assert name == "Li Lei"
    assert png.startswith(b"\x89PNG")
    image = QImage.fromData(png)
    assert (image.width(), image.height()) == (600, 200)
    assert any(image.pixelColor(x, y).alpha() > 200 for x in range(0, 600, 3)
               for y in range(0, 200, 3))


def test_escape_cancels_without_a_signature(qtbot: QtBot) -> None:
    dialog = make_dialog(qtbot)
    qtbot.keyClicks(dialog.name, "Li Lei")
    sign(dialog.pad)
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
