# vikno_test(NAME <name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>]
#            [TIMEOUT <s>] [WHOLE] [FILTER <gtest filter>])
# One GoogleTest binary. By default each test case is its own ctest test;
# WHOLE registers the binary as a single ctest test, for suites whose fixture
# starts a server once for all cases (the MariaDB conformance run).
# FILTER limits the discovered cases (a --gtest_filter expression), so one
# binary can have some cases per test and others run WHOLE by a plain add_test.
function(vikno_test)
  cmake_parse_arguments(T "WHOLE" "NAME;TIMEOUT;FILTER" "SOURCES;LIBS;LABELS" ${ARGN})
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
    set(filter_args "")
    if(T_FILTER)
      set(filter_args TEST_FILTER ${T_FILTER})
    endif()
    gtest_discover_tests(${T_NAME} ${filter_args}
      DISCOVERY_TIMEOUT 60
      PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}"
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  endif()
endfunction()
