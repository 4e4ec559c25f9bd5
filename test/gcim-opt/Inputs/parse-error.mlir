// An input with a syntax error on line 3.
func.func @f() {
  %0 = bogus
}
