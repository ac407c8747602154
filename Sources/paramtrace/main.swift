print("paramtrace")
