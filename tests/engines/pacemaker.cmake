# The Pacemaker batch helper (engines/pacemaker), included from tests/engines/CMakeLists.txt.
#   ctest -L pacemaker   a real one-node cluster (corosync and pacemaker under systemd in
#                        systemd-nspawn, booting this host's OS through an overlay); needs root,
#                        systemd-container, pacemaker and corosync, and is skipped (exit 77)
#                        without them, which scripts/check-suites.sh then reports
#   ctest -L docs        the man page says what --help says (needs no cluster)
# The cluster test is not registered in sanitizer builds: the helper is a script, and the
# compiled code it installs is tested there by the other suites.
if(NOT MAINT_SANITIZE)
  add_test(NAME engines.pacemaker-cluster
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/pacemaker-cluster.sh ${PROJECT_BINARY_DIR}
                   ${PROJECT_SOURCE_DIR})
  # RUN_SERIAL: it boots a whole OS, and must not share the machine's cores with the rest of the
  # suite (the system test's reason too).
  set_tests_properties(engines.pacemaker-cluster PROPERTIES
    LABELS pacemaker TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endif()

if(MAINT_SCDOC)
  add_test(NAME docs.maintenanced-pacemaker-page
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/pacemaker-page.sh
                   ${PROJECT_SOURCE_DIR}/engines/pacemaker
                   ${PROJECT_BINARY_DIR}/engines/maintenanced-pacemaker.8 ${PROJECT_SOURCE_DIR})
  set_tests_properties(docs.maintenanced-pacemaker-page PROPERTIES
    LABELS docs TIMEOUT 60)
endif()
