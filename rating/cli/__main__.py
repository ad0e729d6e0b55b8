from rating.cli import main

main()
