{
  "targets": [
    {
      "target_name": "warden_gcm",
      "sources": ["native/warden_gcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    },
    {
      "target_name": "warden_guard",
      "sources": ["native/warden_guard.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
