from micropulse.cli.app import entry

entry()
