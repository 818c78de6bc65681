"""gunicorn settings for Charla in production (README, Production); gunicorn reads
this file from the working directory. Command-line options override it."""
import multiprocessing

worker_class = "app.gunicorn_worker.Worker"  # gevent's pywsgi: live streams write straight to their sockets
workers = multiprocessing.cpu_count()
worker_connections = 5000  # open streams (one per tab) per worker
bind = "127.0.0.1:8000"
backlog = 2048  # a burst of reconnecting tabs should not wait for SYN retries
control_socket_disable = True  # several gunicorns on one host would share the default socket
