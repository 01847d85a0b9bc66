"""Classify normalized digit crops with a TFLite model, batched, without TensorFlow.

The interpreter comes from LiteRT (``ai_edge_litert``); ``tflite_runtime`` is the fallback when
only that is installed, and ``tensorflow.lite`` the last resort. Inputs are the ``uint8`` 64x64
images of :func:`camdigit.preprocess.normalize_digit`; how they are fed depends on the model's own
input type and quantization (read from the file, never assumed): float models take the pixel
values, integer models their quantized form.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from camdigit.model_files import default_model_path
from camdigit.preprocess import CANVAS
from camdigit.quiet import quiet_stderr

log = logging.getLogger(__name__)

MAX_BATCH = 32
"""Larger batches are split into calls of this many crops; each size bucket (a power of two up to
this) keeps an interpreter. Measured in the camera loop (1 thread, the finder's work between
calls evicting the caches): 60 crops cost 4.2 ms as one call of 64 and 3.0 ms as two of 32,
whose activations stay in cache; in a tight loop the two are equal."""

CLASSES = 10


class ModelError(Exception):
    """A model file is missing, unreadable or not a camdigit digit model."""


def load_interpreter_class() -> type:
    """The TFLite ``Interpreter`` class from the lightest runtime that is installed."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            try:
                from tensorflow.lite import Interpreter  # type: ignore[no-redef]
            except ImportError:
                raise ModelError(
                    "no TFLite interpreter installed: pip install ai-edge-litert"
                ) from None
    return Interpreter


@dataclass(frozen=True)
class Classification:
    """Results for a batch of N crops, as parallel arrays."""

    digits: np.ndarray  # (N,) int64, the most probable digit
    confidences: np.ndarray  # (N,) float32 in [0, 1], that digit's probability
    probabilities: np.ndarray  # (N, 10) float32, softmax over the digits

    def __len__(self) -> int:
        return int(self.digits.shape[0])

    @classmethod
    def from_probabilities(cls, probabilities: np.ndarray) -> Classification:
        digits = probabilities.argmax(axis=1).astype(np.int64)
        confidences = probabilities[np.arange(len(digits)), digits].astype(np.float32)
        return cls(digits, confidences, probabilities.astype(np.float32, copy=False))


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
            with quiet_stderr():
                interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load model {self.path}: not a valid TFLite model ({reason})"
                             ) from None
        self._interpreters[batch] = interpreter
        return interpreter

    def _check_signature(self, interpreter) -> None:
        inputs = interpreter.get_input_details()
        outputs = interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(
                f"model {self.path} has {len(inputs)} inputs and {len(outputs)} outputs; "
                f"camdigit needs one 64x64x1 input and one 10-class output"
            )
        shape = tuple(int(n) for n in inputs[0]["shape"])
        if shape[1:] != (CANVAS, CANVAS, 1):
            raise ModelError(
                f"model {self.path} takes input of shape {shape}; camdigit needs (N, 64, 64, 1)"
            )
        out_shape = tuple(int(n) for n in outputs[0]["shape"])
        if out_shape[-1:] != (CLASSES,) or len(out_shape) != 2:
            raise ModelError(
                f"model {self.path} gives output of shape {out_shape}; camdigit needs (N, 10)"
            )
        dtype = np.dtype(inputs[0]["dtype"])
        if dtype not in (np.float32, np.int8, np.uint8):
            raise ModelError(f"model {self.path} takes {dtype} input; camdigit needs float32, "
                             f"int8 or uint8")

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
        probabilities = np.empty((n, CLASSES), np.float32)
        for start in range(0, n, MAX_BATCH):
            chunk = crops[start : start + MAX_BATCH]
            probabilities[start : start + len(chunk)] = self._run(chunk)
        return Classification.from_probabilities(probabilities)

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
