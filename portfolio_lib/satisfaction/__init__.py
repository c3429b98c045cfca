"""Customer satisfaction: the course's four instruments, with their uncertainty.

Mystery shopping (:mod:`.mystery`), Net Promoter Score (:mod:`.nps`), periodic
surveys (:mod:`.surveys` for CSAT and Likert items, :mod:`.reliability` for
Cronbach's alpha, :mod:`.drivers` for key-driver analysis) and complaint analysis
(:mod:`.complaints`, :mod:`.complaint_text`); :mod:`.priorities` puts their evidence side
by side to decide what to fix first. Every headline number comes with an interval, and every
comparison with a test, so that a manager can tell a real change from noise.

Column-name arguments default to the sample company's tables
(``surveys``, ``complaints``, ``mystery_shopping``; see ``portfolio_lib.simulate``)
and can be pointed at any other data.
"""

# Each module declares its public names once, in its own ``__all__``; the package re-exports
# them in the order of the course (NPS, surveys, reliability, drivers, complaints, mystery
# shopping, what to fix first). The modules are bound under private names because the
# package's ``nps`` is the function, not the module.
from portfolio_lib.satisfaction import complaint_text as _complaint_text
from portfolio_lib.satisfaction import complaints as _complaints
from portfolio_lib.satisfaction import drivers as _drivers
from portfolio_lib.satisfaction import mystery as _mystery
from portfolio_lib.satisfaction import nps as _nps
from portfolio_lib.satisfaction import priorities as _priorities
from portfolio_lib.satisfaction import reliability as _reliability
from portfolio_lib.satisfaction import surveys as _surveys
from portfolio_lib.satisfaction.complaint_text import *  # noqa: F403
from portfolio_lib.satisfaction.complaints import *  # noqa: F403
from portfolio_lib.satisfaction.drivers import *  # noqa: F403
from portfolio_lib.satisfaction.mystery import *  # noqa: F403
from portfolio_lib.satisfaction.nps import *  # noqa: F403
from portfolio_lib.satisfaction.priorities import *  # noqa: F403
from portfolio_lib.satisfaction.reliability import *  # noqa: F403
from portfolio_lib.satisfaction.surveys import *  # noqa: F403

__all__ = [
    *_nps.__all__,
    *_surveys.__all__,
    *_reliability.__all__,
    *_drivers.__all__,
    *_complaint_text.__all__,
    *_complaints.__all__,
    *_mystery.__all__,
    *_priorities.__all__,
]
