/* GcimTestDir.h: a fresh temporary folder for a unit test, removed with what it holds.
 *
 * Needs POSIX (mkdtemp): define _POSIX_C_SOURCE 200809L before any include. */
#ifndef GCIM_TEST_UNIT_GCIMTESTDIR_H
#define GCIM_TEST_UNIT_GCIMTESTDIR_H

#include "GcimTest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

/// A temporary folder: `path` is "/tmp/gcim-<name>-XXXXXX" once created.
typedef struct GcimTestDir {
  char path[64];
} GcimTestDir;

/// Creates the folder (an EXPECT failure if it cannot).
static inline void gcimTestDirCreate(GcimTestDir *dir, const char *name) {
  snprintf(dir->path, sizeof dir->path, "/tmp/gcim-%s-XXXXXX", name);
  EXPECT_TRUE(mkdtemp(dir->path) != NULL);
}

/* Removes `path`: a file, or a folder after what it holds. Returns remove()'s result. */
static inline int gcimTestRemoveTree(const char *path) {
  DIR *folder = opendir(path);
  for (struct dirent *e; folder && (e = readdir(folder));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char child[512];
    if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) < (int)sizeof child)
      gcimTestRemoveTree(child);
  }
  if (folder)
    closedir(folder);
  return remove(path);
}

/// Removes the folder and everything in it (an EXPECT failure if it cannot).
static inline void gcimTestDirRemove(const GcimTestDir *dir) {
  EXPECT_EQ_INT(gcimTestRemoveTree(dir->path), 0);
}

#endif /* GCIM_TEST_UNIT_GCIMTESTDIR_H */
