#ifndef SKIPPER_BUILD_INFO_H
#define SKIPPER_BUILD_INFO_H

/// The git commit the binary was built from: the SKIPPER_GIT_COMMIT macro that scripts/package
/// passes (`-Xcc -DSKIPPER_GIT_COMMIT=...`), or "unknown" in an ordinary `swift build`.
const char *skipper_git_commit(void);

#endif
