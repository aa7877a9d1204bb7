"""python -m pipeline — the same as the `journeys` command."""

from .cli import main

if __name__ == "__main__":
    main()
