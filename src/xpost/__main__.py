from xpost.cli import main

main()
