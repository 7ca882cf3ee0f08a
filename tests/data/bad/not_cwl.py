print("not CWL")
