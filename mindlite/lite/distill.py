"""Knowledge distillation (Hinton et al.'s soft targets).

    loss = alpha * T^2 * KL(softmax(t / T) || softmax(s / T)) + (1 - alpha) * student_loss(s, label)

with s the student's logits and t the teacher's, the KL summed over classes and averaged over
the batch. The teacher runs in eval mode under stop_gradient: it is held outside the cell
tree, so `set_train(True)` on the training cell does not reach it and the optimizer built
from the student's parameters never sees its weights.

    loss_fn = lite.DistillLoss(teacher, nn.CrossEntropyLoss(), T=4.0, alpha=0.7)
    step = nn.TrainOneStepCell(lite.WithDistillLossCell(student, loss_fn), nn.SGD(student.trainable_params()))
"""
from __future__ import annotations

from typing import Any

from .. import ops
from ..nn.cell import Cell


class DistillLoss(Cell):
    """`DistillLoss(teacher, student_loss, T=4.0, alpha=0.7)`; called as
    `loss(student_logits, label, *teacher_inputs)` (the teacher sees `teacher_inputs`)."""

    def __init__(self, teacher: Cell, student_loss: Cell | None = None, T: float = 4.0, alpha: float = 0.7) -> None:
        super().__init__()
        if not isinstance(teacher, Cell):
            raise TypeError(f"DistillLoss: teacher must be a Cell, got {type(teacher).__name__}")
        if isinstance(T, bool) or not isinstance(T, (int, float)) or T <= 0:
            raise ValueError(f"DistillLoss: T must be a positive number, got {T!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0.0 <= alpha <= 1.0:
            raise ValueError(f"DistillLoss: alpha must be in [0, 1], got {alpha!r}")
        if student_loss is None:
            from ..nn.loss import CrossEntropyLoss
            student_loss = CrossEntropyLoss()
        teacher.set_train(False)
        object.__setattr__(self, "teacher", teacher)  # NOTE: not a sub-cell (see the module doc)
        self.student_loss = student_loss
        self.T, self.alpha = float(T), float(alpha)

    def construct(self, logits: Any, label: Any, *teacher_inputs: Any) -> Any:
        if any(c.training for _, c in self.teacher.cells_and_names()):
            raise ValueError("DistillLoss: the teacher must be in eval mode; call teacher.set_train(False)")
        t = ops.stop_gradient(self.teacher(*teacher_inputs))
        log_p_t = ops.log_softmax(t / self.T, -1)
        log_p_s = ops.log_softmax(logits / self.T, -1)
        kl = ops.mean(ops.sum(ops.exp(log_p_t) * (log_p_t - log_p_s), -1))
        soft = kl * (self.alpha * self.T * self.T)
        if self.alpha == 1.0:
            return soft
        return soft + self.student_loss(logits, label) * (1.0 - self.alpha)


class WithDistillLossCell(Cell):
    """`construct(data, label)` = distill_loss(student(data), label, data): a student with its
    distillation loss, for `nn.TrainOneStepCell`."""

    def __init__(self, student: Cell, distill_loss: DistillLoss) -> None:
        super().__init__()
        if not isinstance(distill_loss, DistillLoss):
            raise TypeError(f"WithDistillLossCell: expected a DistillLoss, got {type(distill_loss).__name__}")
        self.student = student
        self.distill_loss = distill_loss

    def construct(self, data: Any, label: Any) -> Any:
        return self.distill_loss(self.student(data), label, data)
