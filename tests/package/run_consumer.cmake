# Runs as `cmake -DSETTINGS=<file> -P run_consumer.cmake` (see CMakeLists.txt).
include(${SETTINGS})

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc})")
  endif()
endfunction()

set(prefix ${work_dir}/prefix)
set(build ${work_dir}/build)
file(REMOVE_RECURSE ${work_dir})

run("cmake --install"
    ${CMAKE_COMMAND} --install ${binary_dir} --prefix ${prefix})

# Every public header of every module must be in the package. The consumer
# then compiles each installed header, which catches a header that includes
# something the package lacks.
set(missing "")
foreach(dir IN LISTS module_dirs)
  file(GLOB_RECURSE headers RELATIVE ${dir} ${dir}/cafe/*.hpp)
  foreach(header IN LISTS headers)
    if(NOT EXISTS ${prefix}/include/${header})
      list(APPEND missing ${header})
    endif()
  endforeach()
endforeach()
if(missing)
  message(FATAL_ERROR "headers missing from the package: ${missing}")
endif()

set(configure_args
  -S ${consumer_dir} -B ${build} -G ${generator}
  -DCMAKE_CXX_COMPILER=${cxx_compiler}
  -DCMAKE_BUILD_TYPE=${build_type}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCAFE_VERSION=${version}
  -DCAFE_EXPECTED_PREFIX=${prefix}
  # Only the scratch prefix may provide cafe, never a registry entry.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(launcher)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER_LAUNCHER=${launcher})
endif()
run("configuring the consumer" ${CMAKE_COMMAND} ${configure_args})
run("building the consumer" ${CMAKE_COMMAND} --build ${build})
# A long name on the loopback address: nothing depends on how the host name
# resolves.
run("running the consumer" ${build}/cafe_consumer --name consumer@127.0.0.1
    --threads 1 --log-level warn)

# The example a CAF project copies builds alone against the package too.
set(example_args "")
foreach(arg IN LISTS configure_args)
  if(arg STREQUAL consumer_dir)
    set(arg ${example_dir})
  elseif(arg STREQUAL build)
    set(arg ${work_dir}/example)
  endif()
  list(APPEND example_args ${arg})
endforeach()
run("configuring apps/examples/hello_erlang" ${CMAKE_COMMAND} ${example_args})
run("building apps/examples/hello_erlang"
    ${CMAKE_COMMAND} --build ${work_dir}/example)
run("running hello_erlang --help" ${work_dir}/example/hello_erlang --help)
