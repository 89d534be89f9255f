"""Performance writes, one module per topic; everything public is importable from ``performance.services``."""

from .calibration import *  # noqa: F403
from .disputes import *  # noqa: F403
from .one_on_ones import *  # noqa: F403
from .people import *  # noqa: F403
from .reviews import *  # noqa: F403
from .sampling import *  # noqa: F403
from .scorecards import *  # noqa: F403
from .snapshots import *  # noqa: F403
