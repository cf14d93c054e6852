# Run as: cmake -DDIALECT=sqlite -DSOURCE_DIR=<dir> -DOUTPUT=<file.cc> -P generate_migrations.cmake
#
# Writes a .cc that holds every NNN_name.sql of SOURCE_DIR as a raw string
# literal, in version order. The raw-string delimiter is chosen so that its
# closing sequence `)delim"` occurs in none of the files, so any SQL text
# (quotes, backslashes, `)"`, even `)sql"`) is embedded byte for byte.
cmake_minimum_required(VERSION 3.25)

foreach(var DIALECT SOURCE_DIR OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "generate_migrations: ${var} is not set")
  endif()
endforeach()

file(GLOB files ${SOURCE_DIR}/*.sql)
list(SORT files)

set(versions "")
set(entries "")
set(contents "")
set(names "")
foreach(path ${files})
  get_filename_component(name ${path} NAME)
  if(NOT name MATCHES "^([0-9]+)_([A-Za-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration ${path}: the name must be NNN_name.sql (digits, '_', letters)")
  endif()
  # Strip leading zeros so "010" is 10, not an octal literal; "000" is refused.
  string(REGEX REPLACE "^0+" "" version "${CMAKE_MATCH_1}")
  if(version STREQUAL "")
    message(FATAL_ERROR "migration ${path}: version 0 is not allowed; numbers start at 1")
  endif()
  if(version IN_LIST versions)
    message(FATAL_ERROR "migration ${path}: version ${version} is used by two files")
  endif()
  file(READ ${path} sql)
  string(STRIP "${sql}" stripped)
  if(stripped STREQUAL "")
    message(FATAL_ERROR "migration ${path} is empty")
  endif()
  list(APPEND versions ${version})
  list(APPEND names ${name})
endforeach()

# Versions must ascend in file order (the glob sorts by name, so 9_x after 10_y
# would be out of order): keep the numbers zero-padded to the same width.
set(previous 0)
foreach(version ${versions})
  if(NOT version GREATER previous)
    message(FATAL_ERROR "migrations in ${SOURCE_DIR}: version ${version} comes after ${previous}; "
                        "pad the numbers to the same width (001_, 002_...)")
  endif()
  set(previous ${version})
endforeach()

string(SUBSTRING "${DIALECT}" 0 1 first)
string(SUBSTRING "${DIALECT}" 1 -1 rest)
string(TOUPPER "${first}" first)
set(function "${first}${rest}Migrations")

set(body "")
list(LENGTH files count)
if(count GREATER 0)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    list(GET files ${i} path)
    list(GET names ${i} name)
    list(GET versions ${i} version)
    file(READ ${path} sql)
    # A C++ raw-string delimiter is at most 16 characters.
    set(delim "sql")
    set(n 0)
    while(TRUE)
      string(FIND "${sql}" ")${delim}\"" at)
      if(at EQUAL -1)
        break()
      endif()
      math(EXPR n "${n} + 1")
      set(delim "sql${n}")
    endwhile()
    string(APPEND body "    {${version}, \"${name}\", R\"${delim}(${sql})${delim}\"},\n")
  endforeach()
endif()

set(text "// Generated from ${SOURCE_DIR} by framework/store/generate_migrations.cmake.\n")
string(APPEND text "// Do not edit: change the .sql files.\n")
string(APPEND text "#include \"store/migrations.h\"\n\nnamespace vikno {\n")
if(count GREATER 0)
  string(APPEND text "namespace {\nconstexpr Migration kMigrations[] = {\n${body}};\n}  // namespace\n\n")
  string(APPEND text "std::span<const Migration> ${function}() { return kMigrations; }\n")
else()
  string(APPEND text "std::span<const Migration> ${function}() { return {}; }\n")
endif()
string(APPEND text "\n}  // namespace vikno\n")

# Write only on change so an unchanged schema does not rebuild its dependants.
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE ${OUTPUT} "${text}")
