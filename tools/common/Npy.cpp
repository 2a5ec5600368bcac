//===- Npy.cpp - Reading and writing NumPy .npy and .npz files ------------===//
//
// Formats: https://numpy.org/doc/stable/reference/generated/numpy.lib.format
// and PKWARE's APPNOTE.TXT (zip, zip64). Only what numpy.savez(_compressed)
// writes is needed, but any zip with stored or deflated entries is read.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tmix::npy reads and writes little-endian data in host order"
#endif

using namespace tmix::npy;

namespace {

constexpr uint8_t kNpyMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

bool setError(std::string *error, const std::string &message) {
  if (error)
    *error = message;
  return false;
}

std::string quote(const std::string &s) { return "'" + s + "'"; }

uint16_t read16(const uint8_t *p) { return p[0] | (p[1] << 8); }
uint32_t read32(const uint8_t *p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
         (uint32_t(p[3]) << 24);
}
uint64_t read64(const uint8_t *p) {
  return uint64_t(read32(p)) | (uint64_t(read32(p + 4)) << 32);
}

void put16(std::vector<uint8_t> &out, uint16_t v) {
  out.push_back(v & 0xff);
  out.push_back(v >> 8);
}
void put32(std::vector<uint8_t> &out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

// zlib's crc32 takes a 32-bit length.
uint32_t crc32Of(const uint8_t *data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size) {
    auto chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

//===----------------------------------------------------------------------===//
// .npy header: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//===----------------------------------------------------------------------===//

struct Header {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  bool hasDescr = false, hasFortranOrder = false, hasShape = false;
};

class HeaderParser {
public:
  HeaderParser(const char *begin, const char *end) : p(begin), end(end) {}

  // On failure `why` says what is wrong.
  bool parse(Header &header, std::string &why) {
    skipSpace();
    if (!consume('{'))
      return fail(why, "expected '{'");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail(why, "expected a quoted key");
      skipSpace();
      if (!consume(':'))
        return fail(why, "expected ':' after '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (p < end && (*p == '[' || *p == '{'))
          return fail(why, "unsupported dtype (structured array)");
        if (!parseString(header.descr))
          return fail(why, "'descr' is not a string");
        header.hasDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          header.fortranOrder = true;
        else if (consumeWord("False"))
          header.fortranOrder = false;
        else
          return fail(why, "'fortran_order' is not True or False");
        header.hasFortranOrder = true;
      } else if (key == "shape") {
        if (!parseShape(header.shape, why))
          return false;
        header.hasShape = true;
      } else {
        return fail(why, "unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return fail(why, "expected ',' or '}'");
    }
    skipSpace();
    if (p != end)
      return fail(why, "unexpected text after '}'");
    if (!header.hasDescr || !header.hasFortranOrder || !header.hasShape)
      return fail(why, "missing 'descr', 'fortran_order' or 'shape'");
    return true;
  }

private:
  const char *p;
  const char *end;

  static bool fail(std::string &why, const std::string &message) {
    why = message;
    return false;
  }
  void skipSpace() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      ++p;
  }
  bool consume(char c) {
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  bool consumeWord(const char *word) {
    size_t n = std::strlen(word);
    if (size_t(end - p) < n || std::memcmp(p, word, n) != 0)
      return false;
    p += n;
    return true;
  }
  bool parseString(std::string &s) {
    if (p >= end || (*p != '\'' && *p != '"'))
      return false;
    char q = *p++;
    const char *start = p;
    while (p < end && *p != q) {
      if (*p == '\\') // Escapes never occur in the keys and descrs we accept.
        return false;
      ++p;
    }
    if (p >= end)
      return false;
    s.assign(start, p);
    ++p;
    return true;
  }
  bool parseShape(std::vector<int64_t> &shape, std::string &why) {
    if (!consume('('))
      return fail(why, "'shape' is not a tuple");
    while (true) {
      skipSpace();
      if (consume(')'))
        return true;
      if (p >= end || *p < '0' || *p > '9')
        return fail(why, "'shape' holds something other than sizes");
      uint64_t value = 0;
      while (p < end && *p >= '0' && *p <= '9') {
        value = value * 10 + uint64_t(*p++ - '0');
        if (value > uint64_t(INT64_MAX))
          return fail(why, "a dimension in 'shape' is too large");
      }
      consume('L'); // Python 2 longs.
      shape.push_back(static_cast<int64_t>(value));
      skipSpace();
      if (consume(','))
        continue;
      if (consume(')'))
        return true;
      return fail(why, "expected ',' or ')' in 'shape'");
    }
  }
};

bool parseDescr(const std::string &descr, tmix_dtype &dtype, std::string &why) {
  static const struct {
    const char *code;
    tmix_dtype dtype;
  } kCodes[] = {
      {"f4", TMIX_DTYPE_F32}, {"f2", TMIX_DTYPE_F16}, {"f8", TMIX_DTYPE_F64},
      {"i8", TMIX_DTYPE_I64}, {"i4", TMIX_DTYPE_I32}, {"i2", TMIX_DTYPE_I16},
      {"i1", TMIX_DTYPE_I8},  {"u1", TMIX_DTYPE_U8},  {"b1", TMIX_DTYPE_BOOL},
      {"u2", TMIX_DTYPE_U16}, {"u4", TMIX_DTYPE_U32}, {"u8", TMIX_DTYPE_U64}};
  why = "unsupported dtype '" + descr + "'";
  if (descr.size() != 3)
    return false;
  char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    return false;
  for (const auto &code : kCodes) {
    if (descr.compare(1, 2, code.code) != 0)
      continue;
    if (order == '>' && dtypeSize(code.dtype) > 1) {
      why = "big-endian data ('" + descr + "') is not supported";
      return false;
    }
    dtype = code.dtype;
    return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Zip
//===----------------------------------------------------------------------===//

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;

// Inflates raw deflate data that must come to exactly `outSize` bytes. The
// output grows with what zlib actually produces, so a corrupt declared size
// cannot make us allocate more than the data really expands to.
bool inflateRaw(const uint8_t *in, uint64_t inSize, uint64_t outSize,
                std::vector<uint8_t> &out, std::string &why) {
  z_stream s;
  std::memset(&s, 0, sizeof(s));
  if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
    why = "cannot initialize zlib";
    return false;
  }
  constexpr uint64_t kChunk = 1u << 30;
  out.assign(std::min<uint64_t>(outSize, inSize * 4 + 65536), 0);
  uint64_t inPos = 0, produced = 0;
  uint8_t spare;
  bool ok = false;
  while (true) {
    if (s.avail_in == 0 && inPos < inSize) {
      uint64_t chunk = std::min(inSize - inPos, kChunk);
      s.next_in = const_cast<Bytef *>(in + inPos);
      s.avail_in = static_cast<uInt>(chunk);
      inPos += chunk;
    }
    // Once the declared size is reached, a one-byte scratch buffer tells
    // the stream's end from excess data.
    bool full = produced == outSize;
    if (!full && produced == out.size())
      out.resize(std::min<uint64_t>(outSize, out.size() * 2 + 65536));
    uint64_t room = full ? 1 : std::min(out.size() - produced, kChunk);
    s.next_out = full ? &spare : out.data() + produced;
    s.avail_out = static_cast<uInt>(room);
    int ret = inflate(&s, Z_NO_FLUSH);
    uint64_t wrote = room - s.avail_out;
    if (full && wrote) {
      why = "decompresses to more than its declared " +
            std::to_string(outSize) + " bytes";
      break;
    }
    produced += wrote;
    if (ret == Z_STREAM_END) {
      ok = true;
      break;
    }
    if (ret == Z_BUF_ERROR && s.avail_in == 0 && inPos < inSize)
      continue;
    if (ret == Z_BUF_ERROR) {
      why = "truncated compressed data";
      break;
    }
    if (ret != Z_OK) {
      why = std::string("corrupt compressed data") +
            (s.msg ? std::string(" (") + s.msg + ")" : std::string());
      break;
    }
  }
  inflateEnd(&s);
  if (ok && produced != outSize) {
    why = "decompresses to " + std::to_string(produced) +
          " bytes, but its declared size is " + std::to_string(outSize);
    ok = false;
  }
  out.resize(ok ? produced : 0);
  return ok;
}

// Reads the zip64 extended-information extra field: each 32-bit value that
// is 0xffffffff in the central header is given here as 64 bits, in order.
bool readZip64Extra(const uint8_t *extra, size_t size, uint64_t &usize,
                    uint64_t &csize, uint64_t &offset) {
  bool needU = usize == 0xffffffffu, needC = csize == 0xffffffffu,
       needO = offset == 0xffffffffu;
  if (!needU && !needC && !needO)
    return true;
  size_t pos = 0;
  while (pos + 4 <= size) {
    uint16_t id = read16(extra + pos), len = read16(extra + pos + 2);
    pos += 4;
    if (len > size - pos)
      return false;
    if (id == 0x0001) {
      const uint8_t *field = extra + pos;
      size_t at = 0;
      for (auto [need, value] : {std::pair<bool, uint64_t *>{needU, &usize},
                                 {needC, &csize},
                                 {needO, &offset}}) {
        if (!need)
          continue;
        if (at + 8 > len)
          return false;
        *value = read64(field + at);
        at += 8;
      }
      return true;
    }
    pos += len;
  }
  return false;
}

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool writeAll(const std::string &path, const std::vector<uint8_t> &head,
              const std::vector<std::vector<uint8_t>> &parts,
              std::string *error) {
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return setError(error, "cannot open " + quote(path) +
                               " for writing: " + std::strerror(errno));
  bool ok = head.empty() ||
            std::fwrite(head.data(), 1, head.size(), file) == head.size();
  for (const auto &part : parts)
    ok = ok && (part.empty() ||
                std::fwrite(part.data(), 1, part.size(), file) == part.size());
  int savedErrno = errno;
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    savedErrno = errno;
  }
  if (!ok)
    return setError(error, "cannot write " + quote(path) + ": " +
                               std::strerror(savedErrno));
  return true;
}

} // namespace

size_t Array::numElements() const {
  size_t n = 1;
  for (int64_t dim : shape)
    n *= static_cast<size_t>(dim);
  return n;
}

// The runtime owns the dtype table (tmix-c/Runtime.h).
size_t tmix::npy::dtypeSize(tmix_dtype dtype) { return tmix_dtype_size(dtype); }

const char *tmix::npy::dtypeName(tmix_dtype dtype) {
  return tmix_dtype_name(dtype);
}

const char *tmix::npy::dtypeDescr(tmix_dtype dtype) {
  switch (dtype) {
  case TMIX_DTYPE_F32:
    return "<f4";
  case TMIX_DTYPE_F16:
    return "<f2";
  case TMIX_DTYPE_F64:
    return "<f8";
  case TMIX_DTYPE_I64:
    return "<i8";
  case TMIX_DTYPE_I32:
    return "<i4";
  case TMIX_DTYPE_I16:
    return "<i2";
  case TMIX_DTYPE_I8:
    return "|i1";
  case TMIX_DTYPE_U8:
    return "|u1";
  case TMIX_DTYPE_U16:
    return "<u2";
  case TMIX_DTYPE_U32:
    return "<u4";
  case TMIX_DTYPE_U64:
    return "<u8";
  case TMIX_DTYPE_BOOL:
    return "|b1";
  case TMIX_DTYPE_BF16:
    return nullptr;
  }
  return nullptr;
}

std::string tmix::npy::fileStem(const std::string &path) {
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0)
    base.resize(dot);
  return base;
}

bool tmix::npy::parseNpy(const uint8_t *data, size_t size,
                         const std::string &what, Array &array,
                         std::string *error) {
  auto fail = [&](const std::string &message) {
    return setError(error, what + ": " + message);
  };
  if (size < 10)
    return fail("truncated .npy header");
  if (std::memcmp(data, kNpyMagic, sizeof(kNpyMagic)) != 0)
    return fail("bad .npy magic");
  uint8_t major = data[6];
  size_t prefix, headerLen;
  if (major == 1) {
    prefix = 10;
    headerLen = read16(data + 8);
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return fail("truncated .npy header");
    prefix = 12;
    headerLen = read32(data + 8);
  } else {
    return fail("unsupported .npy format version " + std::to_string(major) +
                "." + std::to_string(data[7]));
  }
  if (headerLen > size - prefix)
    return fail("truncated .npy header");

  Header header;
  std::string why;
  auto *text = reinterpret_cast<const char *>(data + prefix);
  if (!HeaderParser(text, text + headerLen).parse(header, why))
    return fail("bad .npy header: " + why);
  if (header.fortranOrder)
    return fail("fortran_order=True arrays are not supported");
  tmix_dtype dtype;
  if (!parseDescr(header.descr, dtype, why))
    return fail(why);

  size_t bytes = dtypeSize(dtype);
  for (int64_t dim : header.shape) {
    auto d = static_cast<uint64_t>(dim);
    if (d && bytes > SIZE_MAX / d)
      return fail("shape is too large");
    bytes *= d;
  }
  size_t available = size - prefix - headerLen;
  if (bytes != available)
    return fail("data size mismatch: shape and dtype need " +
                std::to_string(bytes) + " bytes, the file has " +
                std::to_string(available));

  array.dtype = dtype;
  array.shape = std::move(header.shape);
  const uint8_t *payload = data + prefix + headerLen;
  array.data.assign(payload, payload + bytes);
  return true;
}

bool tmix::npy::parseNpz(const uint8_t *data, size_t size,
                         const std::string &what, std::vector<Array> &arrays,
                         std::string *error) {
  auto fail = [&](const std::string &message) {
    return setError(error, what + ": " + message);
  };
  if (size < kEndSize)
    return fail("not a zip file (too short)");

  // The end-of-central-directory record closes the file, behind a comment
  // of up to 64 KiB.
  size_t end = SIZE_MAX;
  size_t lowest = size - kEndSize > 0xffff ? size - kEndSize - 0xffff : 0;
  for (size_t pos = size - kEndSize + 1; pos-- > lowest;) {
    if (read32(data + pos) == kEndSig &&
        read16(data + pos + 20) <= size - pos - kEndSize) {
      end = pos;
      break;
    }
  }
  if (end == SIZE_MAX)
    return fail("truncated or not a zip file (no end of central directory)");
  uint64_t entries = read16(data + end + 10);
  uint64_t cdSize = read32(data + end + 12);
  uint64_t cdOffset = read32(data + end + 16);
  if (entries == 0xffff || cdSize == 0xffffffffu || cdOffset == 0xffffffffu) {
    if (end < 20 || read32(data + end - 20) != kZip64LocatorSig)
      return fail("missing zip64 end of central directory locator");
    uint64_t at = read64(data + end - 20 + 8);
    if (at > size || size - at < 56 || read32(data + at) != kZip64EndSig)
      return fail("bad zip64 end of central directory");
    entries = read64(data + at + 32);
    cdSize = read64(data + at + 40);
    cdOffset = read64(data + at + 48);
  }
  if (cdOffset > size || cdSize > size - cdOffset)
    return fail("central directory lies outside the file");
  if (entries > cdSize / kCentralHeaderSize)
    return fail("truncated central directory");

  std::vector<Array> result;
  std::vector<uint8_t> buffer;
  const uint8_t *cd = data + cdOffset;
  uint64_t pos = 0;
  for (uint64_t i = 0; i < entries; ++i) {
    if (cdSize - pos < kCentralHeaderSize)
      return fail("truncated central directory");
    const uint8_t *h = cd + pos;
    if (read32(h) != kCentralHeaderSig)
      return fail("bad central directory entry signature");
    uint16_t flags = read16(h + 8), method = read16(h + 10);
    uint32_t crc = read32(h + 16);
    uint64_t csize = read32(h + 20), usize = read32(h + 24);
    uint16_t nameLen = read16(h + 28), extraLen = read16(h + 30),
             commentLen = read16(h + 32);
    uint64_t local = read32(h + 42);
    uint64_t entrySize =
        kCentralHeaderSize + uint64_t(nameLen) + extraLen + commentLen;
    if (cdSize - pos < entrySize)
      return fail("truncated central directory");
    std::string name(reinterpret_cast<const char *>(h + kCentralHeaderSize),
                     nameLen);
    std::string entryWhat = what + " entry " + quote(name);
    auto entryFail = [&](const std::string &message) {
      return setError(error, entryWhat + ": " + message);
    };
    if (!readZip64Extra(h + kCentralHeaderSize + nameLen, extraLen, usize,
                        csize, local))
      return entryFail("bad zip64 extra field");
    pos += entrySize;

    // numpy.load only returns the "<name>.npy" entries as arrays.
    if (!endsWith(name, ".npy"))
      continue;
    if (flags & 1)
      return entryFail("encrypted entries are not supported");
    if (method != 0 && method != 8)
      return entryFail("unsupported compression method " +
                       std::to_string(method));
    if (local > size || size - local < kLocalHeaderSize ||
        read32(data + local) != kLocalHeaderSig)
      return entryFail("bad local header");
    uint64_t start = local + kLocalHeaderSize + read16(data + local + 26) +
                     read16(data + local + 28);
    if (start > size || csize > size - start)
      return entryFail("truncated data");

    const uint8_t *payload = data + start;
    if (method == 0) {
      if (csize != usize)
        return entryFail("stored entry with different compressed (" +
                         std::to_string(csize) + ") and uncompressed (" +
                         std::to_string(usize) + ") sizes");
    } else {
      std::string why;
      if (!inflateRaw(payload, csize, usize, buffer, why))
        return entryFail(why);
      payload = buffer.data();
    }
    if (crc32Of(payload, usize) != crc)
      return entryFail("CRC mismatch");

    Array array;
    array.name = name.substr(0, name.size() - 4);
    for (const Array &other : result)
      if (other.name == array.name)
        return entryFail("duplicate array name");
    if (!parseNpy(payload, usize, entryWhat, array, error))
      return false;
    result.push_back(std::move(array));
  }
  arrays = std::move(result);
  return true;
}

bool tmix::npy::readFile(const std::string &path, std::vector<uint8_t> &bytes,
                         std::string *error) {
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return setError(error,
                    "cannot open " + quote(path) + ": " + std::strerror(errno));
  bytes.clear();
  // Read in chunks rather than trusting a size: pipes have none.
  size_t used = 0;
  while (true) {
    if (bytes.size() - used < 65536)
      bytes.resize(std::max<size_t>(bytes.size() * 2, 65536));
    size_t n = std::fread(bytes.data() + used, 1, bytes.size() - used, file);
    used += n;
    if (n == 0)
      break;
  }
  bool failed = std::ferror(file);
  int savedErrno = errno;
  std::fclose(file);
  bytes.resize(used);
  if (failed)
    return setError(error, "cannot read " + quote(path) + ": " +
                               std::strerror(savedErrno));
  return true;
}

bool tmix::npy::readNpy(const std::string &path, Array &array,
                        std::string *error) {
  std::vector<uint8_t> bytes;
  if (!readFile(path, bytes, error))
    return false;
  if (!parseNpy(bytes.data(), bytes.size(), quote(path), array, error))
    return false;
  array.name = fileStem(path);
  return true;
}

bool tmix::npy::readNpz(const std::string &path, std::vector<Array> &arrays,
                        std::string *error) {
  std::vector<uint8_t> bytes;
  if (!readFile(path, bytes, error))
    return false;
  return parseNpz(bytes.data(), bytes.size(), quote(path), arrays, error);
}

bool tmix::npy::readArrays(const std::string &path, std::vector<Array> &arrays,
                           std::string *error) {
  std::vector<uint8_t> bytes;
  if (!readFile(path, bytes, error))
    return false;
  if (bytes.size() >= sizeof(kNpyMagic) &&
      std::memcmp(bytes.data(), kNpyMagic, sizeof(kNpyMagic)) == 0) {
    Array array;
    if (!parseNpy(bytes.data(), bytes.size(), quote(path), array, error))
      return false;
    array.name = fileStem(path);
    arrays.clear();
    arrays.push_back(std::move(array));
    return true;
  }
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] == 'K')
    return parseNpz(bytes.data(), bytes.size(), quote(path), arrays, error);
  return setError(error,
                  quote(path) + ": " +
                      (bytes.empty() ? "empty file"
                                     : "bad magic: not a .npy or .npz file"));
}

bool tmix::npy::encodeNpy(const Array &array, std::vector<uint8_t> &bytes,
                          std::string *error) {
  const char *descr = dtypeDescr(array.dtype);
  if (!descr)
    return setError(error, "array " + quote(array.name) + ": NumPy has no " +
                               dtypeName(array.dtype) + " dtype");
  if (array.data.size() != array.numElements() * dtypeSize(array.dtype))
    return setError(error, "array " + quote(array.name) +
                               ": data size does not match its shape");
  std::string shape;
  for (size_t i = 0; i < array.shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(array.shape[i]);
  if (array.shape.size() == 1)
    shape += ","; // A one-element tuple.
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (" + shape;
  header += "), }";
  // Pad with spaces and a newline so that the data is 64-byte aligned;
  // version 2.0 only when the padded header outgrows 1.0's 16-bit length.
  size_t prefix = header.size() + 64 > 65535 ? 12 : 10;
  size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';

  bytes.clear();
  bytes.reserve(total + array.data.size());
  bytes.insert(bytes.end(), kNpyMagic, kNpyMagic + sizeof(kNpyMagic));
  bytes.push_back(prefix == 10 ? 1 : 2);
  bytes.push_back(0);
  if (prefix == 10)
    put16(bytes, static_cast<uint16_t>(header.size()));
  else
    put32(bytes, static_cast<uint32_t>(header.size()));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  return true;
}

bool tmix::npy::writeNpy(const std::string &path, const Array &array,
                         std::string *error) {
  std::vector<uint8_t> bytes;
  if (!encodeNpy(array, bytes, error))
    return false;
  return writeAll(path, bytes, {}, error);
}

bool tmix::npy::writeNpz(const std::string &path,
                         const std::vector<Array> &arrays, std::string *error) {
  // Local headers and entry images, then the central directory.
  std::vector<std::vector<uint8_t>> parts;
  std::vector<uint8_t> central;
  uint64_t offset = 0;
  for (const Array &array : arrays) {
    std::string name = array.name + ".npy";
    std::vector<uint8_t> image;
    if (!encodeNpy(array, image, error))
      return false;
    if (name.size() > 0xffff || image.size() >= 0xffffffffu ||
        offset >= 0xffffffffu || arrays.size() >= 0xffff)
      return setError(error, "cannot write " + quote(path) +
                                 ": too large for a zip without zip64");
    uint32_t crc = crc32Of(image.data(), image.size());
    bool utf8 =
        std::any_of(name.begin(), name.end(), [](char c) { return c & 0x80; });
    // Fields shared by the local and central headers, from "version needed"
    // (2.0) to the extra field length; the date is fixed at 1980-01-01 so
    // that the output is reproducible.
    std::vector<uint8_t> common;
    put16(common, 20);
    put16(common, utf8 ? 0x0800 : 0);
    put16(common, 0); // stored
    put16(common, 0); // time
    put16(common, (1 << 5) | 1);
    put32(common, crc);
    put32(common, static_cast<uint32_t>(image.size()));
    put32(common, static_cast<uint32_t>(image.size()));
    put16(common, static_cast<uint16_t>(name.size()));
    put16(common, 0);

    std::vector<uint8_t> local;
    put32(local, kLocalHeaderSig);
    local.insert(local.end(), common.begin(), common.end());
    local.insert(local.end(), name.begin(), name.end());

    put32(central, kCentralHeaderSig);
    put16(central, (3 << 8) | 20); // made by: Unix, 2.0
    central.insert(central.end(), common.begin(), common.end());
    put16(central, 0);           // comment length
    put16(central, 0);           // disk
    put16(central, 0);           // internal attributes
    put32(central, 0644u << 16); // external attributes: rw-r--r--
    put32(central, static_cast<uint32_t>(offset));
    central.insert(central.end(), name.begin(), name.end());

    offset += local.size() + image.size();
    parts.push_back(std::move(local));
    parts.push_back(std::move(image));
  }
  if (offset + central.size() >= 0xffffffffu)
    return setError(error, "cannot write " + quote(path) +
                               ": too large for a zip without zip64");
  std::vector<uint8_t> tail = std::move(central);
  uint32_t cdSize = static_cast<uint32_t>(tail.size());
  put32(tail, kEndSig);
  put16(tail, 0);
  put16(tail, 0);
  put16(tail, static_cast<uint16_t>(arrays.size()));
  put16(tail, static_cast<uint16_t>(arrays.size()));
  put32(tail, cdSize);
  put32(tail, static_cast<uint32_t>(offset));
  put16(tail, 0);
  parts.push_back(std::move(tail));
  return writeAll(path, {}, parts, error);
}
