"""actions/upload-artifact (v7) and actions/download-artifact (v8) for the dry run: the artifacts of one workflow run
are directories of one store, which the dry runs of its jobs share, laid out as the actions lay them out.

Upload: each path's files (hidden ones left out unless `include-hidden-files`), rooted at the path itself (a single
directory), its parent (a single file) or the paths' least common ancestor (several paths); nothing found is a
warning, an error or nothing (`if-no-files-found`); an existing name fails unless `overwrite`. Download: one
artifact by `name` (missing: an error), those matching `pattern`, or all; into `path` directly for one artifact or
`merge-multiple`, else into a directory per artifact. What the store cannot stand in for (wildcards and exclusions
in paths, `archive: false`, artifacts of other runs or repositories) raises UnsupportedArtifactUse.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

UPLOAD, DOWNLOAD = "actions/upload-artifact", "actions/download-artifact"


class UnsupportedArtifactUse(AssertionError):
    """An input the store does not reproduce."""


def _flag(inputs: Mapping[str, Any], name: str) -> bool:
    value = str(inputs.get(name, "false")).strip().lower()
    if value not in ("true", "false"):
        raise UnsupportedArtifactUse(f"{name} must be true or false, got {value!r}")
    return value == "true"


def _visible(relative: Path) -> bool:
    return not any(part.startswith(".") for part in relative.parts)


class ArtifactStore:
    """The artifacts of one workflow run, a directory each under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def names(self) -> list[str]:
        return sorted(path.name for path in self.root.iterdir() if path.is_dir())

    def files(self, name: str) -> list[str]:
        """The artifact's files, relative to its root."""
        base = self.root / name
        return sorted(str(path.relative_to(base)) for path in base.rglob("*") if path.is_file())

    def run(self, action: str, inputs: Mapping[str, Any], workspace: Path) -> tuple[bool, str]:
        """Do what `action` does with `inputs` in `workspace`: (succeeded, its log)."""
        steps: dict[str, Callable[[Mapping[str, Any], Path], tuple[bool, str]]] = {
            UPLOAD: self._upload,
            DOWNLOAD: self._download,
        }
        return steps[action](inputs, workspace)

    def _upload(self, inputs: Mapping[str, Any], workspace: Path) -> tuple[bool, str]:
        if str(inputs.get("archive", "true")).lower() == "false":
            raise UnsupportedArtifactUse("upload-artifact with archive: false")
        name = str(inputs["name"])
        given = [line.strip() for line in str(inputs["path"]).splitlines() if line.strip()]
        if any(char in path for path in given for char in "*?[!"):
            raise UnsupportedArtifactUse(f"upload-artifact paths with wildcards or exclusions: {given}")
        paths = [Path(workspace, path).resolve() for path in given]
        hidden = _flag(inputs, "include-hidden-files")
        files = []
        for path in paths:
            if path.is_file():
                files.append(path)
            elif path.is_dir():
                found = (file for file in sorted(path.rglob("*")) if file.is_file())
                files += [file for file in found if hidden or _visible(file.relative_to(path))]
        if not files:
            mode = str(inputs.get("if-no-files-found", "warn"))
            message = f"No files were found with the provided path: {', '.join(given)}. No artifacts will be uploaded."
            if mode == "error":
                return False, f"::error::{message}"
            return True, (f"::warning::{message}" if mode == "warn" else message)
        if len(paths) > 1:
            root = Path(os.path.commonpath(paths))
        else:
            root = paths[0].parent if paths[0].is_file() else paths[0]
        target = self.root / name
        if target.exists() and not _flag(inputs, "overwrite"):
            return False, f"::error::an artifact named {name} already exists in this run (set overwrite: true)"
        shutil.rmtree(target, ignore_errors=True)
        for file in files:
            copy = target / file.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, copy)
        return True, f"uploaded {len(files)} files as {name}"

    def _download(self, inputs: Mapping[str, Any], workspace: Path) -> tuple[bool, str]:
        elsewhere = {"artifact-ids", "github-token", "repository", "run-id", "skip-decompress"} & set(inputs)
        if elsewhere:
            raise UnsupportedArtifactUse(f"download-artifact from elsewhere or undecompressed: {sorted(elsewhere)}")
        destination = Path(workspace, str(inputs.get("path") or "."))
        single = "name" in inputs
        if single:
            chosen = [str(inputs["name"])]
            if chosen[0] not in self.names():
                return False, f"::error::Artifact '{chosen[0]}' not found"
        elif "pattern" in inputs:
            chosen = [name for name in self.names() if fnmatch.fnmatchcase(name, str(inputs["pattern"]))]
        else:
            chosen = self.names()
        direct = single or _flag(inputs, "merge-multiple") or len(chosen) == 1
        for name in chosen:
            shutil.copytree(self.root / name, destination if direct else destination / name, dirs_exist_ok=True)
        return True, f"downloaded {len(chosen)} artifacts: {', '.join(chosen)}"
