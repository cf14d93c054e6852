# Fixture for plugins_echo_test, run by ctest as `cmake -P`:
# installs the SDK from the main build into a temporary prefix, then builds
# examples/echo-channel out of tree against that prefix only, as a vendor
# would. Arguments (-D): VIKNO_BUILD_DIR, ECHO_SOURCE_DIR, WORK_DIR,
# GENERATOR, CXX_COMPILER.
foreach(var VIKNO_BUILD_DIR ECHO_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_echo.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
endfunction()

run("install the SDK"
  ${CMAKE_COMMAND} --install ${VIKNO_BUILD_DIR} --component vikno_sdk --prefix ${prefix})
run("configure echo-channel out of tree"
  ${CMAKE_COMMAND} -S ${ECHO_SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
run("build echo-channel" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)

# The plugin must have been compiled against the installed headers, not the
# source tree.
file(READ ${WORK_DIR}/build/compile_commands.json commands)
string(FIND "${commands}" "${prefix}/include" at)
if(at EQUAL -1)
  message(FATAL_ERROR "echo-channel was not compiled against ${prefix}/include:\n${commands}")
endif()
if(NOT EXISTS ${WORK_DIR}/build/echo_channel.so)
  message(FATAL_ERROR "no ${WORK_DIR}/build/echo_channel.so after the build")
endif()
