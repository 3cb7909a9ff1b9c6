"""The face front-end: detector and landmark backends, tracking, skin regions, crops, traces.

No torch here. Backends: ``mediapipe`` (default; 478-point mesh) and ``haar`` (box only).
"""

from micropulse.face.backends import FACE_BACKENDS, FaceBackend, FaceBox, create_backend, list_backends
from micropulse.face.crops import face_crop, iter_face_crops, square_box
from micropulse.face.ibug68 import IBUG68_FROM_MESH, landmarks_68
from micropulse.face.regions import REGION_MESH, RegionSampler, draw_regions, region_polygons, skin_mask
from micropulse.face.traces import FaceTraces, extract_traces
from micropulse.face.tracker import FaceState, FaceTracker
from micropulse.face.tracking import FaceTrack, track_faces

__all__ = [
    "FACE_BACKENDS",
    "IBUG68_FROM_MESH",
    "REGION_MESH",
    "FaceBackend",
    "FaceBox",
    "FaceState",
    "FaceTrack",
    "FaceTracker",
    "FaceTraces",
    "RegionSampler",
    "create_backend",
    "draw_regions",
    "extract_traces",
    "face_crop",
    "iter_face_crops",
    "landmarks_68",
    "list_backends",
    "region_polygons",
    "skin_mask",
    "square_box",
    "track_faces",
]
