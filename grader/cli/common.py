"""Options shared by several subcommands, and turning them into a config."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.config import GraderConfig, load_config


def add_course_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course root (default: this folder)")
    parser.add_argument("--no-sandbox", action="store_true", help="run notebooks without bubblewrap (only for a class you trust)")
    parser.add_argument("--timeout", type=float, help="seconds one cell may run")
    parser.add_argument("--notebook-timeout", type=float, help="seconds a whole notebook may run")
    parser.add_argument("--memory-mb", type=int, help="memory per notebook, in MB")
    parser.add_argument("--max-processes", type=int, help="processes and threads per notebook")
    parser.add_argument("--disk-mb", type=int, help="scratch disk per notebook, in MB")
    parser.add_argument("--output-kb", type=int, help="output kept per notebook, in KB")
    parser.add_argument("--cold", action="store_true", help="start every kernel cold, not forked from a warm server")
    parser.add_argument("--show-config", action="store_true", help="print the settings in effect and exit")


def config_from(args: argparse.Namespace, **extra: object) -> GraderConfig:
    config = load_config(args.course)
    return config.with_overrides(
        sandbox=False if args.no_sandbox else None,
        warm=False if getattr(args, "cold", False) else None,
        cell_timeout=args.timeout,
        notebook_timeout=args.notebook_timeout,
        memory_mb=args.memory_mb,
        max_processes=args.max_processes,
        disk_mb=args.disk_mb,
        output_kb=args.output_kb,
        **extra,
    )
