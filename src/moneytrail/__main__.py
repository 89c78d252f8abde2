from moneytrail.cli.app import main

main()
