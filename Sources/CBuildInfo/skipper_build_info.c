// A C target only because a C macro is the one way `swift build` takes a string value from the
// command line (`-Xcc -DSKIPPER_GIT_COMMIT="..."`) without generating a source file.
#include "skipper_build_info.h"

#ifndef SKIPPER_GIT_COMMIT
#define SKIPPER_GIT_COMMIT "unknown"
#endif

const char *skipper_git_commit(void) { return SKIPPER_GIT_COMMIT; }
