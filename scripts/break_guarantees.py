"""Break each reliability guarantee once, run the tests that guard it, expect them to fail.

    python scripts/break_guarantees.py           # every mutation (about 5 minutes)
    python scripts/break_guarantees.py --check   # only that every mutation still applies
    python scripts/break_guarantees.py --only cache   # those whose name contains "cache"

Each mutation replaces one exact piece of code, runs the named tests with `pytest -x`, and
restores the file whatever happens (do not edit those files while it runs). The tests run
with this checkout first on PYTHONPATH, so that the script can break a git worktree of the
project without touching the installed copy. "caught" means
the tests failed, as they must; docs/reliability.md lists the last run.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

MUTATIONS = [
    ("write in place instead of temp file + rename", "codemods/write.py",
     "        handle, temp_name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)\n        with os.fdopen(handle, \"wb\") as out:",
     "        handle, temp_name = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)\n        os.close(handle); os.unlink(temp_name); temp_name = None\n        with open(path, \"wb\") as out:",
     ["tests/test_faults.py::test_a_write_stopped_half_way_by_the_file_size_limit", "tests/test_faults.py::test_mode_owner_and_special_bits_are_kept"]),
    ("write through symlinks", "codemods/write.py",
     "    if path.is_symlink():\n        raise WriteError",
     "    if False:\n        raise WriteError",
     ["tests/test_hostile_input.py", "tests/test_write.py::test_symlink_is_not_written_through"]),
    ("no check that the file is still under the roots", "codemods/write.py",
     "    if roots and not _under(path, roots):", "    if False:",
     ["tests/test_faults.py::test_a_folder_swapped_for_a_symlink_is_not_written_through"]),
    ("no re-read before writing", "codemods/write.py",
     "    if current != expected:\n", "    if False:\n",
     ["tests/test_faults.py::test_a_file_edited_between_read_and_write_is_skipped", "tests/test_faults.py::test_two_runs_at_once_leave_every_file_whole"]),
    ("temporary file left behind on failure", "codemods/write.py",
     "                os.unlink(temp_name)\n", "                pass\n",
     ["tests/test_faults.py::test_a_failed_write_keeps_the_original", "tests/test_faults.py::test_ctrl_c_during_a_write"]),
    ("owner not kept", "codemods/write.py",
     "            os.chown(temp_name, before.st_uid, before.st_gid)", "            pass",
     ["tests/test_faults.py::test_mode_owner_and_special_bits_are_kept"]),
    ("hard links split", "codemods/write.py",
     "    if before.st_nlink > 1:", "    if False:",
     ["tests/test_faults.py::test_hard_linked_file_is_not_split"]),
    ("parse in the reporting process", "codemods/runner.py",
     "    for slot, result in enumerate(ordered_map(_analyze_remote, tasks(), jobs, _init_worker, file_timeout(), POOL_MIN_FILES,\n                                              memory=worker_memory(jobs))):",
     "    for slot, result in enumerate(map(_analyze_task, tasks())):",
     ["tests/test_hostile_input.py"]),
    ("control characters printed raw", "codemods/report.py",
     "    return text.translate(_CONTROL)", "    return text",
     ["tests/test_output_safety.py", "tests/test_cli.py::test_terminal_escapes_in_code_are_printed_visibly"]),
    ("non-UTF-8 names passed through", "codemods/findings.py",
     '    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")', "    return str(path)",
     ["tests/test_output_safety.py"]),
    ("fixed output not re-parsed, a stray byte added", "codemods/realize.py",
     "        new_bytes = self.module.visit(_Replace(chosen)).bytes\n", "        new_bytes = self.module.visit(_Replace(chosen)).bytes + b\"\\n\"\n",
     ["tests/test_properties.py"]),
    ("the code read is run", "codemods/clientindex.py",
     "                self._by_file[path] = module_facts(data, self.knowledge, str(path), self.environment_files.for_file(path))",
     "                exec(compile(data, str(path), 'exec'), {}); self._by_file[path] = module_facts(data, self.knowledge, str(path), self.environment_files.for_file(path))",
     ["tests/test_never_executes.py"]),
    # Safe means safe (docs/safety.md): each fact a safe fix rests on must really be seen.
    ("a spread in a client's construction is ignored", "codemods/clients.py",
     "    if spreads:\n        facts.hidden =", "    if False:\n        facts.hidden =",
     ["tests/test_safety_corpus.py"]),
    ("the environment never redirects a client", "codemods/clients.py",
     "        facts.env = next(filter(None, (env.lookup(var) for var in provider.env)), None)",
     "        facts.env = None",
     ["tests/test_safety_corpus.py::test_fix_leaves_every_working_call_alone"]),
    ("a client-level timeout is not seen", "codemods/clients.py",
     "    facts.timeout = timeout_given([construction, *options], r)", "    facts.timeout = False",
     ["tests/test_safety_corpus.py::test_fix_leaves_every_working_call_alone"]),
    ("a \"not given\" sentinel is not seen", "codemods/values.py",
     "        if is_sentinel(expr):\n            return True", "        if False:\n            return True",
     ["tests/test_fixtures.py::test_fixture[sentinel_pair]"]),
    ("a getenv default counts as seen", "codemods/values.py",
     "value.evidence,\n                        fallback=True)", "value.evidence,\n                        fallback=False)",
     ["tests/test_safety_corpus.py::test_fix_leaves_every_working_call_alone"]),
    ("an Azure deployment name is taken for the model", "codemods/checks/__init__.py",
     "    return site.target.model is not None and not site.target.deployment", "    return site.target.model is not None",
     ["tests/test_safety_corpus.py::test_no_safe_fix_rests_on_an_unseen_endpoint"]),
    ("an SDK too old for the new keyword is not seen", "codemods/dependencies.py",
     "    if since is None or item is None or version_tuple(item.version) >= version_tuple(since):",
     "    if True:",
     ["tests/test_safety_corpus.py::test_fix_leaves_every_working_call_alone"]),
    ("a safe fix without its seen facts", "codemods/checks/__init__.py",
     "    return proven(site) and not site.target.opaque", "    return True",
     ["tests/test_safety_corpus.py", "tests/test_safety.py"]),
    ("suppression ignored", "codemods/engine.py",
     "                    if _suppressed(finding, finder):", "                    if False:",
     ["tests/test_fixtures.py::test_fixture[noqa_bare_and_multiline]", "tests/test_properties.py"]),
    # Notebooks (issue 17, never lose a byte): the cells come back whole, or the file is not written.
    ("notebook: the cell marker is not chosen absent from the cells' text", "codemods/notebook.py",
     "    while any(candidate in text for text in texts):", "    while False:",
     ["tests/test_notebook.py::test_a_cell_holding_the_cell_marker_keeps_its_code[# tokenfix-cell: 0\\n]",
      "tests/test_notebook.py::test_the_marker_is_one_no_cell_holds"]),
    ("notebook: the fixed code is cut into cells without checking its marker lines", "codemods/notebook.py",
     "        if [lines[i] for i in bounds] != [self._marker_line(c) for c in self.cells] or bounds[:1] not in ([0], []) \\\n"
     "                or (not bounds and code):\n",
     "        if False:\n",
     ["tests/test_notebook.py::test_a_cell_changed_outside_the_edits_is_never_written"]),
    ("notebook: a cell changed outside the fix's edits is written", "codemods/notebook.py",
     "        if not (all(inside) if i2 > i1 else any(inside)):", "        if False:",
     ["tests/test_notebook.py::test_a_cell_changed_outside_the_edits_is_never_written",
      "tests/test_notebook.py::test_a_split_that_does_not_check_out_is_one_error_and_the_file_unchanged"]),
    ("notebook: every line starting with the magic mark is unhidden, a user's comment too", "codemods/notebook.py",
     '    original = _lines(_source_text(source) or "")', "    original = _lines(cell.python.replace(MAGIC, \"\"))",
     ["tests/test_notebook.py::test_a_comment_like_the_magic_marker_stays_a_comment[string]",
      "tests/test_notebook.py::test_a_comment_like_the_magic_marker_stays_a_comment[list]"]),
    ("notebook: a source list is re-split into lines, the untouched elements too", "codemods/notebook.py",
     "        return _spliced(source, hunks)", "        return _lines(_apply(\"\".join(original), hunks))",
     ["tests/test_notebook.py::test_source_list_elements_outside_the_edit_are_kept"]),
    ("notebook: a UTF-8 byte-order mark is not taken off before the JSON is read", "codemods/notebook.py",
     '        prefix = BOM if raw.startswith(BOM) else b""', '        prefix = b""',
     ["tests/test_notebook_formats.py::test_a_notebook_with_a_bom_and_nothing_to_change_is_not_an_error"]),
    ("notebook: nbformat 3's worksheets are not read", "codemods/notebook.py",
     "    if isinstance(worksheets, list) and all(", "    if False and all(",
     ["tests/test_notebook_formats.py::test_nbformat_3_with_nothing_to_change_is_not_an_error"]),
    ("notebook: a notebook with nothing to change is rebuilt all the same", "codemods/runner.py",
     "    if inner.changed:\n        try:\n            result.fixed = notebook.rebuild(", "    if True:\n        try:\n            result.fixed = notebook.rebuild(",
     ["tests/test_notebook_formats.py::test_an_old_notebook_that_cannot_be_written_back_exactly"]),
    # The cache trusts nothing in the tree it serves (issue 17; codemods/cache.py, tests/test_cache_trust.py).
    ("cache: the markers written into a folder that was there before", "codemods/cache.py",
     "            if info is None:\n                self.folder.parent.mkdir(parents=True, exist_ok=True)\n                try:\n                    os.mkdir(self.folder)",
     "            if True:\n                self.folder.parent.mkdir(parents=True, exist_ok=True)\n                try:\n                    os.makedirs(self.folder, exist_ok=True)",
     ["tests/test_cache_trust.py::test_markers_go_only_into_a_folder_tokenfix_creates"]),
    ("cache: a cache folder that holds the checked paths is accepted", "codemods/cache.py",
     "            if real == where or real.startswith(where.rstrip(os.sep) + os.sep):", "            if False:",
     ["tests/test_cache_trust.py::test_a_cache_folder_that_holds_the_checked_paths_is_refused[option-dot]",
      "tests/test_cache_trust.py::test_a_cache_folder_that_holds_the_checked_paths_is_refused[env-src]"]),
    ("cache: a cache folder given through a symlink is not seen to hold the checked paths", "codemods/cache.py",
     "        where = os.path.realpath(folder)", "        where = os.path.abspath(folder)",
     ["tests/test_cache_trust.py::test_a_cache_folder_that_holds_the_checked_paths_is_refused[option-symlink]"]),
    ("cache: an entry believed without checking its seal", "codemods/cache.py",
     "        if expected is None or not hmac.compare_digest(mac, expected.encode(\"ascii\")):", "        if expected is None:",
     ["tests/test_cache_trust.py::test_a_forged_entry_under_its_right_name_is_not_believed[other-key]"]),
    ("cache: the key kept in the tree (in the cache folder)", "codemods/cache.py",
     "    return Path(base) / \"tokenfix\" / \"key\"", "    return Path(DEFAULT_DIR) / \"key\"",
     ["tests/test_cache_trust.py::test_the_key_is_private_and_outside_the_tree"]),
    ("cache: a relative XDG_CACHE_HOME taken, so the key lands in the tree", "codemods/cache.py",
     "    if not os.path.isabs(base):\n        home =", "    if not base:\n        home =",
     ["tests/test_cache_trust.py::test_without_a_place_for_the_key_the_run_goes_on_without_cache[relative]"]),
    ("cache: a key that others can read is still used", "codemods/cache.py",
     " or not _ours(info) or info.st_mode & 0o077:", " or not _ours(info):",
     ["tests/test_cache_trust.py::test_a_key_others_can_read_is_replaced"]),
    ("cache: a key folder that others can write is still used", "codemods/cache.py",
     " or not _ours(info) or info.st_mode & 0o022:", " or not _ours(info):",
     ["tests/test_cache_trust.py::test_a_key_folder_others_can_write_is_not_used"]),
    ("cache: a result that changes the file is stored (and a warm fix then does nothing)", "codemods/cache.py",
     "        if result.changed or self._secret() is None:", "        if self._secret() is None:",
     ["tests/test_cache_trust.py::test_a_fix_is_never_served_from_the_cache",
      "tests/test_cache.py::test_in_fix_mode_only_the_files_with_nothing_to_change_are_served"]),
    ("cache: a file's new contents taken from an entry", "codemods/cache.py",
     "    return FileResult(display, source, findings=findings,",
     "    return FileResult(display, source, fixed=payload[\"fixed\"].encode() if payload.get(\"fixed\") else None, findings=findings,",
     ["tests/test_cache_trust.py::test_an_entry_sealed_with_the_right_key_still_cannot_write_code"]),
    ("cache: the cache's records read whatever they are (a link to /dev/zero, a FIFO)", "codemods/cache.py",
     "        raw = read_limited(path, limit)", "        raw = open(path, \"rb\").read(limit + 1)",
     ["tests/test_cache_trust.py::test_cache_records_that_are_no_regular_file_are_refused_unread[dev-zero-link]",
      "tests/test_cache_trust.py::test_cache_records_that_are_no_regular_file_are_refused_unread[fifo]"]),
    ("cache: no size limit on the cache's records", "codemods/cache.py",
     "        raw = read_limited(path, limit)", "        raw = read_limited(path, 1 << 62)",
     ["tests/test_cache_trust.py::test_cache_records_that_are_no_regular_file_are_refused_unread[huge]"]),
    # Configuration (issue 17): a file the tree holds costs at most the files it governs; a bad value is one line, exit 2.
    ("config: a pyproject.toml that is not TOML and shows no tokenfix table stops its files instead of passing to the settings above",
     "codemods/config.py", "        if _TABLE_MARK.search(raw):\n", "        if True:\n",
     ["tests/test_config.py::test_an_unparsable_pyproject_without_a_tokenfix_table_falls_back_to_the_settings_above"]),
    ("config: a pyproject.toml passed over is not reported", "codemods/config.py",
     "                    problems.append(str(exc))", "                    pass",
     ["tests/test_config.py::test_an_unparsable_pyproject_without_a_tokenfix_table_falls_back_to_the_settings_above"]),
    ("config: every pyproject.toml parsed, even one that never names tokenfix (a cookiecutter template)", "codemods/config.py",
     '    if b"tokenfix" not in raw:\n        return None', "    if False:\n        return None",
     ["tests/test_config.py::test_a_template_pyproject_that_never_names_tokenfix_is_not_read_as_settings",
      "tests/test_config.py::test_a_pyproject_is_parsed_only_when_it_mentions_tokenfix"]),
    ("config: a pyproject.toml over the size limit that never names tokenfix is an error", "codemods/config.py",
     'if exc.errno == errno.EFBIG and not _mentions(path, b"tokenfix"):', "if False:",
     ["tests/test_config.py::test_a_pyproject_is_parsed_only_when_it_mentions_tokenfix"]),
    ("config: a pyproject.toml that cannot be read passed over silently", "codemods/config.py",
     'if exc.errno == errno.EFBIG and not _mentions(path, b"tokenfix"):', "if True:",
     ["tests/test_unreadable_paths.py::test_an_unreadable_pyproject_costs_the_files_under_it_not_the_run",
      "tests/test_config.py::test_a_pyproject_is_parsed_only_when_it_mentions_tokenfix"]),
    ("config: a broken [tool.tokenfix] in a pyproject.toml passed over silently", "codemods/config.py",
     "            except ConfigError:\n                return candidate", "            except ConfigError:\n                pass",
     ["tests/test_config.py::test_a_broken_tokenfix_configuration_costs_its_own_files_not_the_run"]),
    ("config: the files under a broken configuration checked and fixed with the defaults", "codemods/config.py",
     "        self._skipped[settings.source] += 1\n        return True", "        self._skipped[settings.source] += 1\n        return False",
     ["tests/test_config.py::test_a_broken_tokenfix_configuration_costs_its_own_files_not_the_run"]),
    ("config: a broken configuration found in the tree stops the whole run", "codemods/config.py",
     "            self._skipped[config] = 0\n", "            raise\n",
     ["tests/test_config.py::test_a_broken_tokenfix_configuration_costs_its_own_files_not_the_run"]),
    ("config: TOML nested 3,000 deep is a RecursionError", "codemods/knowledge.py",
     "    except RecursionError:\n        raise ValueError", "    except ZeroDivisionError:\n        raise ValueError",
     ["tests/test_config.py::test_a_broken_tokenfix_configuration_costs_its_own_files_not_the_run[tokenfix.toml-text5-invalid TOML (nested too deeply)]"]),
    ("config: an `extend` chain of any length followed", "codemods/config.py",
     "        if len(chain) == MAX_EXTEND:", "        if False:",
     ["tests/test_config.py::test_an_extend_chain_1500_long_is_an_error_not_a_recursion"]),
    ("config: an empty glob in per-file-ignores, overrides or excludes accepted", "codemods/config.py",
     "    if not ok:\n        raise ConfigError", "    if False:\n        raise ConfigError",
     ["tests/test_config.py::test_an_empty_glob_is_named"]),
    ("config: the values of an extra-rules entry not type-checked (id = 5, methods = 5)", "codemods/knowledge.py",
     "        _check_value(where, key, value, fields[key].type)", "        pass",
     ["tests/test_config.py::test_a_wrongly_typed_extra_rules_entry_is_named"]),
    ("config: TOKENFIX_FILE_TIMEOUT of inf, 0 or -1 taken as a time limit", "codemods/runner.py",
     "    if value is None or not 0 < value <= MAX_FILE_TIMEOUT:", "    if value is None:",
     ["tests/test_config.py::test_a_bad_file_timeout_is_a_one_line_error[inf]", "tests/test_config.py::test_a_bad_file_timeout_is_a_one_line_error[0]",
      "tests/test_config.py::test_a_bad_file_timeout_is_a_one_line_error[-1]"]),
    ("config: TOKENFIX_WORKER_MEMORY not checked", "codemods/runner.py",
     "    if not raw.strip().isdigit() or not 64 <= int(raw) <= 1 << 30:", "    if False:",
     ["tests/test_parallel.py::test_a_bad_worker_memory_limit_is_one_line"]),
    ("config: a file named inside a folder that cannot be entered stops the run (no settings from the folder above)", "codemods/config.py",
     "                return self.for_folder(folder.parent)", "                raise",
     ["tests/test_unreadable_paths.py::test_a_file_named_in_a_folder_that_cannot_be_entered_is_one_line"]),
    ("config: a file named inside a folder that cannot be entered, its own folder not looked above", "codemods/config.py",
     "        except OSError:  # inside a folder that cannot be entered", "        except ZeroDivisionError:  # inside a folder that cannot be entered",
     ["tests/test_unreadable_paths.py::test_a_file_named_in_a_folder_that_cannot_be_entered_is_one_line"]),
    ("config: the walk takes the settings above a folder it cannot look into, and does not name it", "codemods/config.py",
     "                if strict or folder.parent == folder:", "                if folder.parent == folder:",
     ["tests/test_unreadable_paths.py::test_unreadable_folders_and_files_are_named_once_each[check]",
      "tests/test_unreadable_paths.py::test_a_path_longer_than_path_max_is_one_line[4086-look for a configuration file in]"]),
    ("config: the SDK floor read from a pyproject.toml of any size", "codemods/environment.py",
     "def read_limited(path: Path, limit: int = MAX_BYTES)", "def read_limited(path: Path, limit: int = MAX_BYTES * 64)",
     ["tests/test_hostile_pyproject.py::test_a_pyproject_over_the_size_limit_is_not_read_for_dependencies"]),
]


def main() -> int:
    args = sys.argv[1:]
    check_only = "--check" in args
    only = args[args.index("--only") + 1] if "--only" in args[:-1] else ""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    missed = 0
    for name, file, old, new, tests in MUTATIONS:
        if only not in name:
            continue
        path = ROOT / file
        text = path.read_text()
        if text.count(old) != 1:
            print(f"STALE        | {name}: the code to break is found {text.count(old)} times in {file}", flush=True)
            missed += 1
            continue
        if check_only:
            continue
        path.write_text(text.replace(old, new))
        try:
            res = subprocess.run([PY, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
            last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else res.stderr[-200:]
            verdict = "caught" if res.returncode == 1 else f"NOT CAUGHT (exit {res.returncode})"
            missed += res.returncode != 1
            print(f"{verdict:12} | {name} | {' '.join(tests)} | {last}", flush=True)
        finally:
            path.write_text(text)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
