// A shared library that is not a vikno plugin: it exports nothing the host
// looks for.
extern "C" __attribute__((visibility("default"))) int some_other_library_function(void) {
  return 42;
}
