//===- Npy.h - Reading and writing NumPy .npy and .npz files ----*- C++ -*-===//
//
// A small, dependency-light (zlib only) array I/O library for the tmix
// tools. Every reader validates each offset and length against the input,
// so malformed files give an error naming the file and the problem, never a
// crash. Nothing throws; errors come back through `std::string *error`.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_RUNTIME_NPY_H
#define TMIX_RUNTIME_NPY_H

#include "tmix-c/Runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tmix::npy {

/// A dense, row-major, little-endian array.
struct Array {
  std::string name;
  tmix_dtype dtype = TMIX_DTYPE_F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  /// The number of elements (1 for a scalar).
  size_t numElements() const;
};

/// Bytes per element of `dtype` (0 for an unknown value).
size_t dtypeSize(tmix_dtype dtype);
/// The NumPy name of `dtype` ("float32", ...; "bfloat16" too).
const char *dtypeName(tmix_dtype dtype);
/// The .npy descr of `dtype` ("<f4", ...), or nullptr where NumPy has none
/// (bfloat16).
const char *dtypeDescr(tmix_dtype dtype);

/// Parses a .npy image; `what` names it in errors.
bool parseNpy(const uint8_t *data, size_t size, const std::string &what,
              Array &array, std::string *error);
/// Parses a .npz (zip) image: one array per "<name>.npy" entry, in the
/// order of the zip's central directory. Other entries are skipped.
bool parseNpz(const uint8_t *data, size_t size, const std::string &what,
              std::vector<Array> &arrays, std::string *error);

/// Reads a whole file.
bool readFile(const std::string &path, std::vector<uint8_t> &bytes,
              std::string *error);
/// Reads a .npy file; the array is named after the file's stem.
bool readNpy(const std::string &path, Array &array, std::string *error);
bool readNpz(const std::string &path, std::vector<Array> &arrays,
             std::string *error);
/// Reads `path` as .npz or .npy, told apart by their magic bytes.
bool readArrays(const std::string &path, std::vector<Array> &arrays,
                std::string *error);

/// The .npy image of `array`; false for a dtype NumPy lacks.
bool encodeNpy(const Array &array, std::vector<uint8_t> &bytes,
               std::string *error);
bool writeNpy(const std::string &path, const Array &array, std::string *error);
/// Writes an uncompressed .npz with an "<name>.npy" entry per array.
bool writeNpz(const std::string &path, const std::vector<Array> &arrays,
              std::string *error);

/// "x" for "dir/x.npy".
std::string fileStem(const std::string &path);

} // namespace tmix::npy

#endif // TMIX_RUNTIME_NPY_H
