"""The command line. Thin: each verb is one module that parses arguments and calls a stage."""
