"""Classify normalized digit crops with a TFLite model, batched, without TensorFlow.

The interpreter comes from LiteRT (``ai_edge_litert``); ``tflite_runtime`` is the fallback when
only that is installed, and ``tensorflow.lite`` the last resort. Inputs are the ``uint8`` 64x64
images of :func:`camdigit.core.preprocess.normalize_digit`; how they are fed depends on the model's
own input type and quantization (read from the file, never assumed): float models take the pixel
values, integer models their quantized form.

Models have 11 outputs, the digits 0-9 and "not a digit", as logits: the softmax is taken here,
in numpy. A crop's reading is then its likeliest digit, that digit's probability among the
digits (``confidences``), and the probability that it is a digit at all (``is_digit``, 1 - p(not
a digit)): the finder proposes, the model judges. An older 10-class model still works: its
output is the softmax's (the int8 file's output quantization, 1/256, says so), and every crop
counts as a digit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camdigit.core.litert import ModelError, litert_first_load, load_interpreter_class
from camdigit.core.model_files import default_model_path
from camdigit.core.preprocess import CANVAS

log = logging.getLogger(__name__)

MAX_BATCH = 32
"""Larger batches are split into calls of this many crops; each size bucket (a power of two up to
this) keeps an interpreter. Measured in the camera loop (1 thread, the finder's work between
calls evicting the caches): 60 crops cost 4.2 ms as one call of 64 and 3.0 ms as two of 32,
whose activations stay in cache; in a tight loop the two are equal."""

CLASSES = 10
"""The digits 0-9: the readings every model gives."""

NOT_A_DIGIT = 10
"""Index of the "not a digit" output of an 11-class model."""

MODEL_CLASSES = (10, 11)
"""Outputs a camdigit model may have: the ten digits, and "not a digit" after them."""

_SOFTMAX_SCALE = 1.0 / 256.0
"""Output quantization of an int8 softmax (probabilities in steps of 1/256)."""


@dataclass(frozen=True)
class Classification:
    """Results for a batch of N crops, as parallel arrays."""

    digits: np.ndarray  # (N,) int64, the likeliest digit
    confidences: np.ndarray  # (N,) float32 in [0, 1], its probability among the ten digits
    probabilities: np.ndarray  # (N, 10) float32, the digits' probabilities (each row sums to 1)
    is_digit: np.ndarray = None  # type: ignore[assignment]  # (N,) float32, 1 - p(not a digit)
    logits: np.ndarray = None  # type: ignore[assignment]  # (N, C) float32, the model's scores

    def __post_init__(self) -> None:
        n = len(self.digits)
        if self.is_digit is None:
            object.__setattr__(self, "is_digit", np.ones(n, np.float32))
        if self.logits is None:
            object.__setattr__(
                self, "logits", np.log(np.maximum(self.probabilities, 1e-7)).astype(np.float32)
            )

    def __len__(self) -> int:
        return int(self.digits.shape[0])

    @classmethod
    def from_probabilities(cls, probabilities: np.ndarray) -> Classification:
        """From softmax output over 10 digits, or over 10 digits and "not a digit"."""
        probabilities = np.asarray(probabilities, np.float32)
        logits = np.log(np.maximum(probabilities, 1e-7)).astype(np.float32)
        return cls._from(probabilities, logits)

    @classmethod
    def from_logits(cls, logits: np.ndarray) -> Classification:
        """From scores before a softmax (10 or 11 columns), the softmax taken here."""
        logits = np.asarray(logits, np.float32)
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        return cls._from(e / e.sum(axis=1, keepdims=True), logits)

    @classmethod
    def _from(cls, probabilities: np.ndarray, logits: np.ndarray) -> Classification:
        digit_p = probabilities[:, :CLASSES]
        total = digit_p.sum(axis=1)
        if probabilities.shape[1] > CLASSES:
            is_digit = np.clip(1.0 - probabilities[:, NOT_A_DIGIT], 0.0, 1.0)
        else:
            is_digit = np.ones(len(probabilities), np.float32)
        # among the digits (a row of zeros, an int8 output rounded away, reads as uniform)
        digit_p = np.divide(
            digit_p,
            total[:, None],
            out=np.full_like(digit_p, 1 / CLASSES),
            where=total[:, None] > 0,
        )
        # ties (an int8 output's steps) go to the digit with the higher score
        digits = _argmax_by(digit_p, logits[:, :CLASSES])
        confidences = digit_p[np.arange(len(digits)), digits]
        return cls(
            digits,
            confidences.astype(np.float32),
            digit_p.astype(np.float32),
            is_digit.astype(np.float32),
            logits.astype(np.float32),
        )


def _argmax_by(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Row-wise argmax of ``primary``; among its ties, the largest ``secondary``."""
    best = primary.max(axis=1, keepdims=True)
    masked = np.where(primary >= best, secondary, -np.inf)
    return masked.argmax(axis=1).astype(np.int64)


@dataclass(frozen=True)
class _TensorFormat:
    dtype: np.dtype
    scale: float
    zero_point: int


class DigitClassifier:
    """One TFLite digit model, ready to classify batches of normalized crops.

    Args:
        model_path: a ``.tflite`` file; the shipped int8 model when None.
        threads: interpreter threads (1 is best for small batches on a Raspberry Pi core).
    """

    def __init__(self, model_path: Path | str | None = None, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.path = Path(model_path) if model_path is not None else default_model_path()
        self.threads = threads
        self._interpreter_class = load_interpreter_class()
        if not self.path.is_file():
            raise ModelError(
                f"model file not found: {self.path} (give a .tflite file made by export_tflite.py)"
            )
        try:
            self._content = self.path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model file {self.path}: {exc.strerror}") from None
        self._interpreters: dict[int, object] = {}
        first = self._interpreter(1)
        self._check_signature(first)
        inp = first.get_input_details()[0]
        out = first.get_output_details()[0]
        self.input_format = _TensorFormat(np.dtype(inp["dtype"]), *_quantization(inp))
        self.output_format = _TensorFormat(np.dtype(out["dtype"]), *_quantization(out))
        self._input_lut = _input_lookup(self.input_format)
        self.classes = int(out["shape"][-1])
        self.outputs_logits = _outputs_logits(self.classes, self.output_format)

    @property
    def rejects(self) -> bool:
        """Whether the model has a "not a digit" class (11 outputs)."""
        return self.classes > CLASSES

    def _interpreter(self, batch: int):
        interpreter = self._interpreters.get(batch)
        if interpreter is not None:
            return interpreter
        try:
            interpreter = self._interpreter_class(
                model_content=self._content, num_threads=self.threads
            )
            if batch != 1:
                index = interpreter.get_input_details()[0]["index"]
                interpreter.resize_tensor_input(index, [batch, CANVAS, CANVAS, 1], strict=True)
            with litert_first_load():  # its one XNNPACK line, once a process
                interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(
                f"cannot load model {self.path}: not a valid TFLite model ({reason})"
            ) from None
        self._interpreters[batch] = interpreter
        return interpreter

    def _check_signature(self, interpreter) -> None:
        inputs = interpreter.get_input_details()
        outputs = interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(
                f"model {self.path} has {len(inputs)} inputs and {len(outputs)} outputs; "
                f"camdigit needs one 64x64x1 input and one output of 10 or 11 classes"
            )
        shape = tuple(int(n) for n in inputs[0]["shape"])
        if shape[1:] != (CANVAS, CANVAS, 1):
            raise ModelError(
                f"model {self.path} takes input of shape {shape}; camdigit needs (N, 64, 64, 1)"
            )
        out_shape = tuple(int(n) for n in outputs[0]["shape"])
        if len(out_shape) != 2 or out_shape[-1] not in MODEL_CLASSES:
            raise ModelError(
                f"model {self.path} gives output of shape {out_shape}; camdigit needs (N, 10) "
                f"or (N, 11)"
            )
        dtype = np.dtype(inputs[0]["dtype"])
        if dtype not in (np.float32, np.int8, np.uint8):
            raise ModelError(
                f"model {self.path} takes {dtype} input; camdigit needs float32, int8 or uint8"
            )

    @property
    def input_type(self) -> str:
        """``"int8"``, ``"uint8"`` or ``"float32"``: the model file's input type."""
        return self.input_format.dtype.name

    def classify(self, crops: np.ndarray) -> Classification:
        """Classify (N, 64, 64) uint8 normalized crops; one interpreter call per 32 crops."""
        crops = np.asarray(crops)
        if crops.ndim == 2:
            crops = crops[None]
        if crops.ndim == 4 and crops.shape[-1] == 1:
            crops = crops[..., 0]
        if crops.shape[1:] != (CANVAS, CANVAS) or crops.dtype != np.uint8:
            raise ValueError(
                f"crops must be uint8 of shape (N, 64, 64) from normalize_digit, "
                f"got {crops.dtype} {crops.shape}"
            )
        n = crops.shape[0]
        scores = np.empty((n, self.classes), np.float32)
        for start in range(0, n, MAX_BATCH):
            chunk = crops[start : start + MAX_BATCH]
            scores[start : start + len(chunk)] = self._run(chunk)
        if self.outputs_logits:
            return Classification.from_logits(scores)
        return Classification.from_probabilities(scores)

    def _to_input(self, crops: np.ndarray) -> np.ndarray:
        """Pixels to the model's input values through the lookup table (one pass)."""
        if self.input_format.dtype == np.float32:
            return self._input_lut[crops]
        # An 8-bit table: OpenCV's LUT, on the bytes, is ten times faster than fancy indexing.
        flat = np.ascontiguousarray(crops).reshape(-1, CANVAS)
        table = self._input_lut.view(np.uint8)
        return cv2.LUT(flat, table).view(self.input_format.dtype).reshape(crops.shape)

    def _run(self, crops: np.ndarray) -> np.ndarray:
        n = len(crops)
        bucket = 1 << max(0, (n - 1).bit_length())
        interpreter = self._interpreter(bucket)
        inp = interpreter.get_input_details()[0]
        batch = np.zeros((bucket, CANVAS, CANVAS, 1), self.input_format.dtype)
        batch[:n, :, :, 0] = self._to_input(crops)
        interpreter.set_tensor(inp["index"], batch)
        interpreter.invoke()
        raw = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[:n]
        fmt = self.output_format
        if fmt.dtype == np.float32:
            return raw
        return (raw.astype(np.float32) - fmt.zero_point) * fmt.scale


def _outputs_logits(classes: int, fmt: _TensorFormat) -> bool:
    """Whether a model's output is logits (camdigit's 11-class models) or a softmax's output.

    10-class models were exported with their softmax: an integer one shows it in its output
    quantization (steps of 1/256 from 0), a float one is taken at its word.
    """
    if classes > CLASSES:
        return True
    if fmt.dtype == np.float32:
        return False
    return not (
        abs(fmt.scale - _SOFTMAX_SCALE) < 1e-9
        and fmt.zero_point == (-128 if fmt.dtype == np.int8 else 0)
    )


def _quantization(details: dict) -> tuple[float, int]:
    scale, zero_point = details.get("quantization", (0.0, 0))
    return float(scale), int(zero_point)


def _input_lookup(fmt: _TensorFormat) -> np.ndarray:
    """Map each uint8 pixel value straight to the model's input value (256-entry table)."""
    pixels = np.arange(256, dtype=np.float32)
    if fmt.dtype == np.float32:
        return pixels
    if fmt.scale <= 0:
        raise ModelError("integer model input without quantization parameters")
    info = np.iinfo(fmt.dtype)
    quantized = np.rint(pixels / fmt.scale + fmt.zero_point)
    return np.clip(quantized, info.min, info.max).astype(fmt.dtype)
