"""Pure types of the moneytrail domain. Nothing in this package performs I/O."""
