/// A duration in milliseconds, as every figure of the bench is printed.
func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15 }
