# Man pages written in scdoc(5), built at build time and installed to ${CMAKE_INSTALL_MANDIR}/manN.
#
#   include(${PROJECT_SOURCE_DIR}/cmake/Scdoc.cmake)
#   maint_add_man_pages(foo.1.scd bar.5.scd.in ...)
#
# Each SOURCE is named NAME.SECTION.scd, or NAME.SECTION.scd.in to be filled in first by
# configure_file(@ONLY) (for install paths such as @CMAKE_INSTALL_FULL_LIBEXECDIR@). The page
# NAME.SECTION is written to the current binary directory, built by the target `man` (part of
# `all`), and installed to ${CMAKE_INSTALL_MANDIR}/manSECTION. Every page is also recorded on the
# target `man` (property MAINT_MAN_PAGES), so that the tests find all of them, wherever they are
# declared: `$<TARGET_PROPERTY:man,MAINT_MAN_PAGES>` is the list of built pages.
#
# Without scdoc the pages are neither built nor installed (a status message says so) and
# MAINT_SCDOC is false; MAINT_SCDOC is the scdoc program otherwise.
include_guard(GLOBAL)
include(GNUInstallDirs)

find_program(MAINT_SCDOC scdoc)
if(NOT MAINT_SCDOC)
  message(STATUS "scdoc not found: the man pages are neither built nor installed")
endif()

if(NOT TARGET man)
  add_custom_target(man ALL COMMENT "Man pages")
  set_property(TARGET man PROPERTY MAINT_MAN_PAGES "")
endif()

function(maint_add_man_pages)
  if(NOT MAINT_SCDOC)
    return()
  endif()
  foreach(source IN LISTS ARGN)
    get_filename_component(file_name "${source}" NAME)
    if(NOT file_name MATCHES "^(.+)\\.([1-8])\\.scd(\\.in)?$")
      message(FATAL_ERROR "maint_add_man_pages: ${source} is not named NAME.SECTION.scd[.in]")
    endif()
    set(page "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
    set(section "${CMAKE_MATCH_2}")
    set(input "${CMAKE_CURRENT_SOURCE_DIR}/${source}")
    if(CMAKE_MATCH_3)
      # Filled in at configure time; the build reads the result.
      set(configured "${CMAKE_CURRENT_BINARY_DIR}/${page}.scd")
      configure_file("${input}" "${configured}" @ONLY)
      set(input "${configured}")
    endif()
    set(output "${CMAKE_CURRENT_BINARY_DIR}/${page}")
    # scdoc reads standard input only; a shell redirection needs a shell, so CMake's -P script
    # does the plumbing portably and fails the build when scdoc complains.
    add_custom_command(
      OUTPUT "${output}"
      COMMAND "${CMAKE_COMMAND}" -DSCDOC=${MAINT_SCDOC} -DINPUT=${input} -DOUTPUT=${output}
              -P "${PROJECT_SOURCE_DIR}/cmake/ScdocRun.cmake"
      DEPENDS "${input}" "${PROJECT_SOURCE_DIR}/cmake/ScdocRun.cmake"
      COMMENT "Generating the man page ${page}"
      VERBATIM)
    add_custom_target("man-${page}" DEPENDS "${output}")
    add_dependencies(man "man-${page}")
    set_property(TARGET man APPEND PROPERTY MAINT_MAN_PAGES "${output}")
    install(FILES "${output}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
  endforeach()
endfunction()
