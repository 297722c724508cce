#ifndef SKIPPER_BUILD_INFO_H
#define SKIPPER_BUILD_INFO_H

/// The git commit the binary was built from (scripts/package records it), or "unknown" in an
/// ordinary `swift build`.
const char *skipper_git_commit(void);

#endif
