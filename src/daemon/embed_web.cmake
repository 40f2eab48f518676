# Writes the web GUI's files as C arrays to OUT. MANIFEST holds one
# "URL-PATH FILE" pair per line; the result is the table fd_web_assets
# (daemon.h) that webui.c serves.
file(STRINGS ${MANIFEST} entries)
set(arrays "")
set(table "")
set(i 0)
foreach(entry IN LISTS entries)
  string(REGEX MATCH "^([^ ]+) (.+)$" _ "${entry}")
  set(url ${CMAKE_MATCH_1})
  set(path ${CMAKE_MATCH_2})
  file(READ ${path} hex HEX)
  string(LENGTH "${hex}" n)
  math(EXPR len "${n} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
    "\\1\n" bytes "${bytes}")
  string(APPEND arrays "static const unsigned char a${i}[] = {\n${bytes}0x00};\n")
  string(APPEND table "\t{\"${url}\", a${i}, ${len}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT} "/* Generated from web/ by embed_web.cmake. */\n#include \"daemon.h\"\n\n"
  "${arrays}\nconst fd_web_asset fd_web_assets[] = {\n${table}};\n"
  "const size_t fd_web_nassets = ${i};\n")
