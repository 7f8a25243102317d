from cognito_tutorial.cli import main

raise SystemExit(main())
