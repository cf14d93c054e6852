# vikno_test(NAME <name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>]
#            [TIMEOUT <s>] [WHOLE])
# One GoogleTest binary. By default each test case is its own ctest test;
# WHOLE registers the binary as a single ctest test, for suites whose fixture
# starts a server once for all cases (the MariaDB conformance run).
function(vikno_test)
  cmake_parse_arguments(T "WHOLE" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_include_directories(${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(T_WHOLE)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
  else()
    gtest_discover_tests(${T_NAME}
      DISCOVERY_TIMEOUT 60
      PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}"
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  endif()
endfunction()
