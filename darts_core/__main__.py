from darts_core.cli import main

raise SystemExit(main())
