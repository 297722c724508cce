// scripts/package writes skipper_commit.h (`#define SKIPPER_GIT_COMMIT "..."`) beside this file
// for its build and removes it afterwards; every other build says "unknown".
#include "skipper_build_info.h"

#if __has_include("skipper_commit.h")
#include "skipper_commit.h"
#endif

#ifndef SKIPPER_GIT_COMMIT
#define SKIPPER_GIT_COMMIT "unknown"
#endif

const char *skipper_git_commit(void) { return SKIPPER_GIT_COMMIT; }
