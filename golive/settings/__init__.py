"""Per-category settings (the profile's ``checks:`` section), one module per category.

Each category owns its model so that a domain grows its settings without touching the others.
"""

from __future__ import annotations

from golive.settings.base import StrictModel
from golive.settings.headers import HeadersSettings
from golive.settings.http import HttpSettings
from golive.settings.load import LoadSettings
from golive.settings.monitoring import MonitoringSettings
from golive.settings.prerequisites import PrerequisitesSettings
from golive.settings.smoke import SmokeSettings
from golive.settings.tls import TlsSettings


class ChecksSettings(StrictModel):
    """The ``checks:`` section: every category has defaults, so the section may be omitted."""

    tls: TlsSettings = TlsSettings()
    headers: HeadersSettings = HeadersSettings()
    http: HttpSettings = HttpSettings()
    smoke: SmokeSettings = SmokeSettings()
    load: LoadSettings = LoadSettings()
    prerequisites: PrerequisitesSettings = PrerequisitesSettings()
    monitoring: MonitoringSettings = MonitoringSettings()


__all__ = ["ChecksSettings", "StrictModel"]
