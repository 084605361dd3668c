"""A real directory server (Samba AD, or OpenLDAP slapd) loaded with a tenant's users."""

from outlook_emulator.directory.info import DirectoryInfo
from outlook_emulator.directory.packages import DirectoryPackagesMissing
from outlook_emulator.directory.process import DirectoryStartError
from outlook_emulator.directory.runner import RunningDirectory, start_directory

__all__ = [
    "DirectoryInfo",
    "DirectoryPackagesMissing",
    "DirectoryStartError",
    "RunningDirectory",
    "start_directory",
]
