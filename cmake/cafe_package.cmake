# Exported CMake package: find_package(cafe) in a CAF developer's project.
include(CMakePackageConfigHelpers)
set(cafe_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/cafe)

install(EXPORT cafeTargets NAMESPACE cafe:: DESTINATION ${cafe_cmake_dir})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/cafeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/cafeConfig.cmake
  INSTALL_DESTINATION ${cafe_cmake_dir})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/cafeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/cafeConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/cafeConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/FindCAF.cmake
  DESTINATION ${cafe_cmake_dir})
