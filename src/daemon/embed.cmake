# Writes the file IN as a C byte array fd_openapi_json (NUL-terminated) to OUT.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n"
  bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from openapi.json by embed.cmake. */\n#include <stddef.h>\n"
  "extern const char fd_openapi_json[];\nextern const size_t fd_openapi_json_len;\n"
  "const char fd_openapi_json[] = {\n${bytes}0x00};\n"
  "const size_t fd_openapi_json_len = ${len};\n")
