/* OutputFile.c: write to a temporary file, rename into place on success; check an output
 * folder before anything is written into it. */
#define _XOPEN_SOURCE 700 /* POSIX 2008 with realpath */
#include "gcim/Support/OutputFile.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct GcimOutputFile {
  FILE *stream;
  char *finalPath; /* NULL for stdout */
  char *tempPath;
  bool device; /* a device or pipe written in place (/dev/null, /dev/stdout, a FIFO) */
};

/* A device or pipe cannot be replaced by renaming (as root, `-o /dev/null` would replace the
 * system's null device with a file): it is written in place, as a shell redirection does. */
static GcimStatus openDevice(GcimOutputFile *file, char **errMsg) {
  file->device = true;
  free(file->tempPath); /* nothing to remove */
  file->tempPath = NULL;
  file->stream = fopen(file->finalPath, "wb");
  if (!file->stream)
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s': %s", file->finalPath,
                    strerror(errno));
  return GCIM_OK;
}

/* The path to write: a symbolic link's target, so that the rename replaces the file and
 * keeps the link; NULL when out of memory. *device is set for what is written in place: a
 * device or pipe, or a path in /dev or /proc (/dev/stdout redirected to a file is a link
 * to a descriptor of this process, which a rename would not write to). */
static char *resolveOutput(const char *path, bool *device) {
  struct stat info;
  *device = (stat(path, &info) == 0 && !S_ISREG(info.st_mode)) || strncmp(path, "/dev/", 5) == 0 ||
            strncmp(path, "/proc/", 6) == 0;
  char *resolved = NULL;
  if (!*device && lstat(path, &info) == 0 && S_ISLNK(info.st_mode) &&
      (resolved = realpath(path, NULL)))
    return resolved;
  return strdup(path);
}

GcimStatus gcimOutputFileCreate(const char *path, GcimOutputFile **out, char **errMsg) {
  *out = NULL;
  GcimOutputFile *file = calloc(1, sizeof *file);
  if (!file)
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  if (strcmp(path, "-") == 0) {
    file->stream = stdout;
    *out = file;
    return GCIM_OK;
  }
  struct stat info;
  if (stat(path, &info) == 0 && S_ISDIR(info.st_mode)) {
    gcimOutputFileDestroy(file);
    return gcimFail(errMsg, GCIM_ERROR_INVALID, "cannot write '%s': it is a folder", path);
  }
  bool device;
  file->finalPath = resolveOutput(path, &device);
  size_t length = file->finalPath ? strlen(file->finalPath) : 0;
  file->tempPath = malloc(length + sizeof ".tmp-XXXXXX");
  if (!file->finalPath || !file->tempPath) {
    gcimOutputFileDestroy(file);
    return gcimFail(errMsg, GCIM_ERROR_MEMORY, "out of memory");
  }
  if (device) {
    GcimStatus status = openDevice(file, errMsg);
    if (status != GCIM_OK)
      gcimOutputFileDestroy(file);
    else
      *out = file;
    return status;
  }
  memcpy(file->tempPath, file->finalPath, length);
  memcpy(file->tempPath + length, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
  int fd = mkstemp(file->tempPath);
  if (fd < 0) {
    GcimStatus status =
        gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s': %s", path, strerror(errno));
    free(file->tempPath);
    file->tempPath = NULL;
    gcimOutputFileDestroy(file);
    return status;
  }
  /* mkstemp creates the file private; give it the mode a plain fopen would. */
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  file->stream = fdopen(fd, "wb");
  if (!file->stream) {
    close(fd);
    GcimStatus status =
        gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s': %s", path, strerror(errno));
    gcimOutputFileDestroy(file);
    return status;
  }
  *out = file;
  return GCIM_OK;
}

FILE *gcimOutputFileGetStream(GcimOutputFile *file) { return file->stream; }

GcimStatus gcimOutputFileCommit(GcimOutputFile *file, char **errMsg) {
  if (file->device) {
    int failed = ferror(file->stream);
    failed |= fclose(file->stream) != 0;
    file->stream = NULL;
    GcimStatus status =
        failed ? gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s'", file->finalPath) : GCIM_OK;
    gcimOutputFileDestroy(file);
    return status;
  }
  if (!file->finalPath) {
    int failed = fflush(stdout) != 0 || ferror(stdout);
    free(file);
    return failed ? gcimFail(errMsg, GCIM_ERROR_IO, "cannot write to stdout") : GCIM_OK;
  }
  int failed = ferror(file->stream);
  failed |= fclose(file->stream) != 0;
  file->stream = NULL;
  if (failed || rename(file->tempPath, file->finalPath) != 0) {
    GcimStatus status =
        gcimFail(errMsg, GCIM_ERROR_IO, "cannot write '%s': %s", file->finalPath, strerror(errno));
    gcimOutputFileDestroy(file);
    return status;
  }
  free(file->tempPath);
  file->tempPath = NULL;
  gcimOutputFileDestroy(file);
  return GCIM_OK;
}

void gcimOutputFileDestroy(GcimOutputFile *file) {
  if (!file)
    return;
  if (file->stream && file->stream != stdout)
    fclose(file->stream);
  if (file->tempPath)
    remove(file->tempPath);
  free(file->tempPath);
  free(file->finalPath);
  free(file);
}

int gcimCopyStream(FILE *from, FILE *to) {
  char buffer[1 << 15];
  rewind(from);
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, from)) > 0;)
    if (fwrite(buffer, 1, n, to) != n)
      return -1;
  return ferror(from) ? -1 : 0;
}

/* Where `path` would be: the real path of its folder, a slash and its last name; a malloc'ed
 * copy of `path` itself when that folder cannot be resolved (it is missing), NULL when out
 * of memory. */
static char *placeOf(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  size_t folderLength = slash ? (size_t)(slash - path) : 0;
  char *folder = malloc(folderLength + 2);
  if (!folder)
    return NULL;
  memcpy(folder, path, folderLength);
  folder[folderLength] = '\0';
  if (!slash)
    strcpy(folder, ".");
  else if (folderLength == 0) /* "/name" */
    strcpy(folder, "/");
  char *real = realpath(folder, NULL);
  free(folder);
  if (!real)
    return strdup(path);
  size_t realLength = strlen(real);
  char *place = malloc(realLength + 1 + strlen(name) + 1);
  if (place)
    sprintf(place, "%s/%s", real, name);
  free(real);
  return place;
}

bool gcimOutputIsInput(const char *output, const char *input) {
  if (!output || !input || strcmp(output, "-") == 0)
    return false;
  struct stat a, b;
  if (stat(output, &a) == 0 && stat(input, &b) == 0)
    return S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  /* Not both there yet: `./x.json` and `x.json`, or `out/../x.json`, are still one place. */
  char *outputPlace = placeOf(output), *inputPlace = placeOf(input);
  bool same =
      outputPlace && inputPlace ? strcmp(outputPlace, inputPlace) == 0 : strcmp(output, input) == 0;
  free(outputPlace);
  free(inputPlace);
  return same;
}

/* Whether folder `dir` is empty (false also when it cannot be read). */
static bool folderIsEmpty(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return false;
  bool empty = true;
  for (struct dirent *entry; empty && (entry = readdir(d)) != NULL;)
    empty = strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0;
  closedir(d);
  return empty;
}

/* Whether folder `dir` holds a generated program: its Makefile's first line says so (the C
 * emitter writes "# Makefile for PREFIX, generated by gcim-compile VERSION: ..."). */
static bool folderIsGenerated(const char *dir) {
  size_t length = strlen(dir);
  char *path = malloc(length + sizeof "/Makefile");
  if (!path)
    return false;
  memcpy(path, dir, length);
  memcpy(path + length, "/Makefile", sizeof "/Makefile");
  FILE *makefile = fopen(path, "r");
  free(path);
  char line[256] = "";
  bool generated = makefile && fgets(line, sizeof line, makefile) &&
                   strncmp(line, "# Makefile for ", 15) == 0 &&
                   strstr(line, ", generated by gcim-compile ") != NULL;
  if (makefile)
    fclose(makefile);
  return generated;
}

/* Checks that the folder holding new folder `path` exists, so that a missing parent is
 * said before anything is compiled rather than when the output is written. */
static GcimStatus checkParentFolder(const char *path, char **errMsg) {
  size_t length = strlen(path);
  while (length > 1 && path[length - 1] == '/')
    --length;
  while (length > 0 && path[length - 1] != '/')
    --length;
  if (length == 0) /* in the working folder */
    return GCIM_OK;
  char *parent = malloc(length + 1);
  if (!parent)
    return gcimFail(errMsg, GCIM_ERROR_IO, "out of memory");
  memcpy(parent, path, length);
  parent[length] = '\0';
  struct stat info;
  bool folder = stat(parent, &info) == 0 && S_ISDIR(info.st_mode);
  free(parent);
  if (folder)
    return GCIM_OK;
  return gcimFail(errMsg, GCIM_ERROR_IO,
                  "cannot create '%s': the folder it goes in, '%.*s', does not exist (nothing "
                  "was written)",
                  path, (int)length, path);
}

GcimStatus gcimOutputFolderCheck(const char *path, char **errMsg) {
  struct stat info;
  if (stat(path, &info) != 0) {
    if (errno == ENOENT)
      return checkParentFolder(path, errMsg);
    return gcimFail(errMsg, GCIM_ERROR_IO, "cannot use '%s' as the output folder: %s", path,
                    strerror(errno));
  }
  if (!S_ISDIR(info.st_mode))
    return gcimFail(errMsg, GCIM_ERROR_INVALID,
                    "'%s' exists and is not a folder: the output is a folder (nothing was "
                    "written)",
                    path);
  if (folderIsEmpty(path) || folderIsGenerated(path))
    return GCIM_OK;
  return gcimFail(errMsg, GCIM_ERROR_INVALID,
                  "'%s' is a folder holding other files, not an earlier gcim-compile output: "
                  "the output goes to a new or empty folder (nothing was written)",
                  path);
}
