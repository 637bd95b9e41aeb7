/* Poison header: daemon/engine/ is pure (README.md, "Architecture").  The engine is
 * compiled with tools/poison/ first on its include path, so including a
 * library header there stops the build with this message. */
#error "daemon/engine may not include ncurses: the engine does no I/O; do it in daemon/ (glue) or a venue adapter"
